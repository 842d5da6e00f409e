/** A DeliveryFilter → a WHERE clause with its parameters. Time bounds use the id (its first 10 characters are the time), so they ride the primary key. */
import { DELIVERY_ID_PATTERN, type DeliveryDeleteFilter } from '../../../shared/dto/deliveries.js';
import { invalid } from '../app-error.js';
import { idFloor } from './ids.js';

export interface Where {
  sql: string;
  params: Array<string | number>;
}

const ID = new RegExp(DELIVERY_ID_PATTERN);

const STATUS_RANGES = { '2xx': [200, 299], '3xx': [300, 399], '4xx': [400, 499], '5xx': [500, 599] } as const;

function instant(field: 'since' | 'until', value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(field, `not a date-time: ${value}`);
  return ms;
}

export function whereOf(filter: DeliveryDeleteFilter & { cursor?: string | undefined }): Where {
  const parts: string[] = [];
  const params: Array<string | number> = [];
  const add = (sql: string, ...values: Array<string | number>): void => {
    parts.push(sql);
    params.push(...values);
  };
  if (filter.plugin !== undefined) add('plugin = ?', filter.plugin);
  if (filter.status !== undefined) {
    if (filter.status === 'error') add('response_body IS NULL AND error_code IS NOT NULL');
    else add('status BETWEEN ? AND ?', ...STATUS_RANGES[filter.status]);
  }
  if (filter.state !== undefined) add('state = ?', filter.state);
  if (filter.provider !== undefined) add('provider = ?', filter.provider);
  if (filter.event !== undefined) add('event = ?', filter.event);
  if (filter.replay_of !== undefined) add('replay_of = ?', filter.replay_of);
  if (filter.since !== undefined) add('id >= ?', idFloor(instant('since', filter.since)));
  if (filter.until !== undefined) add('id < ?', idFloor(instant('until', filter.until)));
  if (filter.q !== undefined) add('instr(search, ?) > 0', filter.q.toLowerCase());
  if (filter.cursor !== undefined) {
    if (!ID.test(filter.cursor)) throw invalid('cursor', 'not a cursor of this list (pass next_cursor as it came)');
    add('id < ?', filter.cursor);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}
