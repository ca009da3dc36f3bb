/**
 * The slice of a pino logger the AI components use, so that they can be given the service's logger (or a
 * child of it) without depending on pino. `silentLogger` is for callers that do not want the lines.
 */
export type ComponentLogger = {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
};

export const silentLogger: ComponentLogger = { info() {}, warn() {}, error() {} };
