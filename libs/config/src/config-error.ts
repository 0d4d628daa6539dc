/** Every bad or missing setting of an app, reported at once at start-up. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly app: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration for ${app}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}
