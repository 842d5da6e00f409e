import { Type, type Static } from 'typebox';
import { LogLevelSchema } from './config.js';

/** Which run of the server wrote a line: a random id made when its log buffer was created. */
const InstanceSchema = Type.String({ minLength: 1 });

export const LogEntrySchema = Type.Object({
  /** The server run (`LogPage.instance`); `seq` counts from 1 again in every run. */
  instance: InstanceSchema,
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
  /** Changes when the server restarted: `seq` values of different instances are unrelated. */
  instance: InstanceSchema,
  entries: Type.Array(LogEntrySchema),
  /** The newest sequence number the server has; pass it as `since` to read on. */
  last_seq: Type.Integer(),
});
export type LogPage = Static<typeof LogPageSchema>;
