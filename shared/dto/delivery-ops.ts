/**
 * Inputs and outputs of the delivery operations beyond the store's DTOs (deliveries.ts): replay,
 * export, and the pushed change events.
 */
import { Type, type Static } from 'typebox';
import { DeliverySummarySchema } from './deliveries.js';

/** Deliveries just written, in one group commit: new ones (`deliveryRecorded`) or changed ones (`deliveryUpdated`). */
export const DeliveryChangesSchema = Type.Object({ deliveries: Type.Array(DeliverySummarySchema) });
export type DeliveryChanges = Static<typeof DeliveryChangesSchema>;
