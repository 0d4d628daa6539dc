import type { Logger } from 'pino';
import { classifyConnectionFailure, type ConnectionFailure } from './connection-failure';

export interface BackgroundConnectionOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How long start() waits for the first attempt (default 5 s). kafkajs retries a refused
   * connection for about 30 s; a service with several connections would otherwise not even listen
   * (no /livez, no /readyz to say why) for a minute or more.
   */
  firstAttemptMs?: number;
}

/**
 * A service's connection to Kafka (and the registry) at start. Refused credentials, a certificate
 * not trusted or a cluster not answering are fixed outside the service, and restarting it fixes
 * nothing: a crash loop only hides the reason. So those do not stop the start: the service comes
 * up, `check()` (its /readyz) says why it is not connected, and it keeps trying with a growing
 * delay until the cluster accepts it (issue 16). Any other failure (a schema not registered, a
 * handler that does not match its topics) still stops the start, as it did.
 */
export class BackgroundConnection {
  private connected = false;
  private stopped = false;
  private failure?: ConnectionFailure;
  private timer?: NodeJS.Timeout;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly firstAttemptMs: number;
  private markConnected!: () => void;
  /** Resolves once connected, for work that must wait for it (never rejects; it may never resolve). */
  readonly connectedOnce = new Promise<void>((resolve) => (this.markConnected = resolve));

  constructor(
    private readonly name: string,
    private readonly connect: () => Promise<void>,
    private readonly logger: Logger,
    options: BackgroundConnectionOptions = {},
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.firstAttemptMs = options.firstAttemptMs ?? 5000;
  }

  /**
   * The first attempt: resolves once connected, or once it failed for a reason outside the service
   * (then retrying in the background), or after firstAttemptMs with the attempt still going on;
   * rejects on any other failure within that time.
   */
  async start(): Promise<void> {
    let firstAttemptOver = false;
    const attempt = this.connect().then(
      () => {
        this.connected = true;
        this.markConnected();
      },
      (error: unknown) => {
        const failure = classifyConnectionFailure(error);
        if (failure.kind === 'other' && !firstAttemptOver) throw error;
        this.failed(failure);
        this.schedule(this.initialDelayMs);
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        firstAttemptOver = true;
        resolve();
      }, this.firstAttemptMs);
    });
    try {
      await Promise.race([attempt, patience]);
    } finally {
      clearTimeout(timer);
    }
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** For readiness: resolves when connected, else rejects with the reason (`authentication failed (SASL): ...`, `TLS: ...`). */
  async check(): Promise<void> {
    if (this.connected) return;
    throw new Error(this.failure?.reason ?? `${this.name}: not connected yet`);
  }

  /** The reason it is not connected, if it is not. */
  get notConnectedReason(): string | undefined {
    return this.connected ? undefined : (this.failure?.reason ?? 'not connected yet');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.retry(delayMs), delayMs);
  }

  private async retry(delayMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.connect();
      this.connected = true;
      this.markConnected();
      this.failure = undefined;
      this.logger.info({ connection: this.name }, 'connected after all');
    } catch (error) {
      this.failed(classifyConnectionFailure(error));
      this.schedule(Math.min(delayMs * 2, this.maxDelayMs));
    }
  }

  private failed(failure: ConnectionFailure): void {
    // Logged when the reason changes, not at every attempt: a wrong password is one line, not thousands.
    if (this.failure?.reason !== failure.reason) {
      this.logger.error({ connection: this.name, kind: failure.kind, reason: failure.reason }, 'cannot connect; the service stays up, not ready, and keeps trying');
    }
    this.failure = failure;
  }
}
