import type { DeliverySummary } from '../../../../shared/dto/deliveries';
import type { Tone } from '../../components/ui';
import { statusClass } from '../../stores/deliveries';

/** The colour of a delivery's status: green 2xx, blue 3xx, amber 4xx, red 5xx and no answer, grey while queued. */
export function statusTone(d: Pick<DeliverySummary, 'status' | 'state'>): Tone {
  switch (statusClass(d)) {
    case '2xx': return 'ok';
    case '3xx': return 'info';
    case '4xx': return 'warn';
    case '5xx':
    case 'error': return 'danger';
    default: return 'neutral';
  }
}
