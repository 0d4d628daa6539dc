// Moved to libs/kafka with the compacted-topic follower that uses it; re-exported for existing importers.
export { CatchUp } from '@tracking/kafka';
