/**
 * Inputs and outputs of the delivery operations beyond the store's DTOs (deliveries.ts): replay,
 * export, and the pushed change events.
 */
import { Type, type Static } from 'typebox';
import { InterpreterNameSchema } from './common.js';
import { DeliveryIdSchema, DeliverySummarySchema } from './deliveries.js';
import { PLUGIN_NAME_PATTERN } from './plugins.js';

/** Replay a recorded delivery, optionally under another interpreter or into another plugin. */
export const ReplayInputSchema = Type.Object(
  {
    id: DeliveryIdSchema,
    /** A configured interpreter's key; the plugin's own (or the active one) when left out. */
    interpreter: Type.Optional(InterpreterNameSchema),
    /** Another plugin to send it to; the original's when left out. */
    plugin: Type.Optional(Type.String({ pattern: PLUGIN_NAME_PATTERN })),
  },
  { additionalProperties: false },
);
export type ReplayInput = Static<typeof ReplayInputSchema>;

export const ExportFormatSchema = Type.Union([Type.Literal('curl'), Type.Literal('http'), Type.Literal('pytest')]);
export type ExportFormat = Static<typeof ExportFormatSchema>;

export const ExportInputSchema = Type.Object({ id: DeliveryIdSchema, format: ExportFormatSchema }, { additionalProperties: false });
export type ExportInput = Static<typeof ExportInputSchema>;

/**
 * An export: a curl command (text), a raw HTTP/1.1 request (its bytes: `base64` unless they are
 * UTF-8), or a pytest file (text). `notes` say what the export could not carry (redacted headers…).
 */
export const DeliveryExportSchema = Type.Object({
  format: ExportFormatSchema,
  filename: Type.String(),
  media_type: Type.String(),
  encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
  content: Type.String(),
  notes: Type.Array(Type.String()),
});
export type DeliveryExport = Static<typeof DeliveryExportSchema>;

/** Deliveries just written, in one group commit: new ones (`deliveryRecorded`) or changed ones (`deliveryUpdated`). */
export const DeliveryChangesSchema = Type.Object({ deliveries: Type.Array(DeliverySummarySchema) });
export type DeliveryChanges = Static<typeof DeliveryChangesSchema>;
