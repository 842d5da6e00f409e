import { Type, type Static } from 'typebox';
import { LogLevelSchema } from './config.js';

export const LogEntrySchema = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  level: LogLevelSchema,
  /** Where the line came from: `core`, `api`, `executor#3` (executor generation 3)… */
  source: Type.String(),
  message: Type.String(),
});
export type LogEntry = Static<typeof LogEntrySchema>;

export const LogQuerySchema = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuerySchema>;

export const LogPageSchema = Type.Object({
  entries: Type.Array(LogEntrySchema),
  /** The newest sequence number the server has; pass it as `since` to read on. */
  last_seq: Type.Integer(),
});
export type LogPage = Static<typeof LogPageSchema>;
