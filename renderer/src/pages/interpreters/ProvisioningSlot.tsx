import type { ReactElement } from 'react';
import type { InterpreterView } from '../../../../shared/dto/interpreters';

/**
 * Where provisioning lives on an interpreter card (a later issue): "Install missing packages"
 * and "Create virtual environment" buttons that start jobs (`installPackages`, `createVenv`),
 * show progress from the jobs store (`stores/jobs.ts`, fed by `jobUpdated` events) and can cancel
 * (`cancelJob`). Nothing is shown until then.
 */
export function ProvisioningSlot(_props: { interpreter: InterpreterView }): ReactElement | null {
  return null;
}
