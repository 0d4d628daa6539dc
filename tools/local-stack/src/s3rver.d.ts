// s3rver 3.7 ships no types; these cover what the local S3 server (s3-server.ts) uses.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    /** Turns off s3rver's own (winston) request log and Koa's error printing. */
    silent?: boolean;
    /** Read a bucket name from the Host header of a request; true by default. */
    vhostBuckets?: boolean;
    resetOnClose?: boolean;
  }

  /** Koa passes the request's context along with an error. */
  interface S3rverErrorContext {
    method: string;
    path: string;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    readonly httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'error', listener: (error: Error & { status?: number; code?: string }, context: S3rverErrorContext) => void): this;
  }

  export = S3rver;
}
