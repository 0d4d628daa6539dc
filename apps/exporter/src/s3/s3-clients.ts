import { createHash } from 'node:crypto';
import { type OnApplicationShutdown, Injectable } from '@nestjs/common';
import { S3Client } from '@aws-sdk/client-s3';
import type { BucketTarget } from '../targets/export-target';

/**
 * One S3 client per endpoint, region and access key. Path-style addressing for custom endpoints
 * (S3-compatible servers rarely have wildcard DNS); checksums only where S3 requires them, because
 * S3-compatible servers reject the SDK's newer default trailers.
 */
@Injectable()
export class S3Clients implements OnApplicationShutdown {
  private readonly clients = new Map<string, S3Client>();

  for(target: BucketTarget): S3Client {
    // The secret is part of the identity (as a digest, never kept as text here): a customer whose
    // secret was rotated in the shared configuration gets a client with the new one, without a restart.
    const secret = createHash('sha256').update(`${target.credentials.secretAccessKey}|${target.credentials.sessionToken ?? ''}`).digest('hex');
    const id = `${target.endpoint ?? ''}|${target.region}|${target.credentials.accessKeyId}|${secret}`;
    let client = this.clients.get(id);
    if (!client) {
      client = new S3Client({
        region: target.region,
        credentials: target.credentials,
        maxAttempts: 3,
        // Without timeouts a bucket that drops packets would hold a partition (listing) or every upload slot forever.
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000, throwOnRequestTimeout: true },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
      });
      this.clients.set(id, client);
    }
    return client;
  }

  onApplicationShutdown(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
