import { DependencyUnavailableError } from '@tracking/contracts';

/** A customer's bucket could not be listed or read: that customer waits, the others go on. */
export class BucketError extends DependencyUnavailableError {
  override readonly name = 'BucketError';
}
