/**
 * `Deprecation`: the one-shot deprecation warner `websocket` 1.0.35 exports as `deprecation`. Its map is empty, so
 * `warn` prints nothing unless an application fills the map in.
 */

/** The shape of {@link Deprecation}. */
export interface DeprecationRegistry {
  /** Silences every warning when true. */
  disableWarnings: boolean;
  /** Warning name → the text to print; set to `false` once printed. */
  deprecationWarningMap: Record<string, string | false>;
  /** Prints `DEPRECATION WARNING: <text>` with `console.warn` the first time `name` is warned about. */
  warn(name: string): void;
}

/** The singleton, a plain object as in 1.0.35, so applications may replace its fields. */
export const Deprecation: DeprecationRegistry = {
  disableWarnings: false,
  deprecationWarningMap: {},
  warn(name: string): void {
    const text = this.deprecationWarningMap[name];
    if (!this.disableWarnings && text) {
      console.warn('DEPRECATION WARNING: ' + text);
      this.deprecationWarningMap[name] = false;
    }
  },
};
