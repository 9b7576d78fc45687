import { type Logger, pino } from 'pino';

/**
 * The one log format of hpo's services: JSON lines with `level` as a word, `time` in ISO 8601,
 * `service` (hpo-coordinator, hpo-worker), the process's `name`, then `msg` and the event's
 * fields. One logger, one set of fields, so one parser and one query work across services.
 */
export function serviceLogger(service: string, level = 'info', name?: string): Logger {
  return pino({
    level,
    base: { service, ...(name ? { name } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
