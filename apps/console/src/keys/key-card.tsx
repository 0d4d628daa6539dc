import { useState } from 'preact/hooks';
import type { TrackingKey } from '../api/keys';

/** The overlaps offered on rotation; the gateway's default (and this list's) is one day. */
export const OVERLAPS: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 0, label: 'None: the old secret stops at once' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day (default)' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 30 * 86_400, label: '30 days' },
];
const DEFAULT_OVERLAP = 86_400;

const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '—');

const STATUS_TEXT: Record<TrackingKey['status'], string> = {
  active: 'active',
  expiring: 'valid until its overlap ends',
  expired: 'expired',
  revoked: 'revoked',
};

interface Props {
  item: TrackingKey;
  /** The key that replaced this one, when a rotation did. */
  replacedBy: string | undefined;
  canManage: boolean;
  busy: boolean;
  onRotate: (overlapSeconds: number) => void;
  onRevoke: () => void;
}

type Open = 'none' | 'rotate' | 'revoke';

/** One key: what it is and can do, when it was made, rotated, expires or was revoked; rotate and revoke, each confirmed first. */
export function KeyCard({ item, replacedBy, canManage, busy, onRotate, onRevoke }: Props) {
  const [open, setOpen] = useState<Open>('none');
  const [overlap, setOverlap] = useState(DEFAULT_OVERLAP);
  const titleId = `key-${item.key_id}`;
  const live = item.status === 'active' || item.status === 'expiring';

  return (
    <article class={`card key-card ${item.status}`} aria-labelledby={titleId} data-key-id={item.key_id}>
      <div class="key-head">
        <h3 id={titleId}>{item.description ?? 'Key without a description'}</h3>
        <span class={`badge status-${item.status}`}>{STATUS_TEXT[item.status]}</span>
      </div>
      <dl class="key-facts">
        <dt>Key id</dt>
        <dd class="mono">{item.key_id}</dd>
        <dt>Scopes</dt>
        <dd>
          {item.scopes.map((scope) => (
            <span key={scope} class="badge scope">
              {scope}
            </span>
          ))}
        </dd>
        <dt>Publishable key</dt>
        <dd class="mono">{item.publishable_key}</dd>
        <dt>Created</dt>
        <dd>{when(item.created_at)}</dd>
        <dt>Last rotated</dt>
        <dd>{item.rotated_at ? `${when(item.rotated_at)}${replacedBy ? `, replaced by ${replacedBy}` : ''}` : item.rotated_from ? `made by rotating ${item.rotated_from}` : 'never'}</dd>
        <dt>Expires</dt>
        <dd>{item.expires_at ? when(item.expires_at) : 'never'}</dd>
        {item.revoked_at && (
          <>
            <dt>Revoked</dt>
            <dd>{when(item.revoked_at)}</dd>
          </>
        )}
        <dt>Last used</dt>
        <dd>{when(item.last_used_at)}</dd>
      </dl>
      {canManage && live && open === 'none' && (
        <div class="actions">
          <button type="button" class="secondary" aria-describedby={titleId} onClick={() => setOpen('rotate')}>
            Rotate…
          </button>
          <button type="button" class="secondary danger" aria-describedby={titleId} onClick={() => setOpen('revoke')}>
            Revoke…
          </button>
        </div>
      )}
      {open === 'rotate' && (
        <form
          class="confirm"
          aria-label={`Rotate ${item.key_id}`}
          onSubmit={(event) => {
            event.preventDefault();
            setOpen('none');
            onRotate(overlap);
          }}
        >
          <label>
            Keep the old secret working for
            <select value={String(overlap)} onChange={(event) => setOverlap(Number(event.currentTarget.value))}>
              {OVERLAPS.map((choice) => (
                <option key={choice.seconds} value={String(choice.seconds)}>
                  {choice.label}
                </option>
              ))}
            </select>
          </label>
          <p class="muted">A new secret is made and shown once; switch your servers to it before the overlap ends.</p>
          <div class="actions">
            <button type="submit" disabled={busy}>
              Rotate key
            </button>
            <button type="button" class="secondary" onClick={() => setOpen('none')}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {open === 'revoke' && (
        <form
          class="confirm danger-zone"
          aria-label={`Revoke ${item.key_id}`}
          onSubmit={(event) => {
            event.preventDefault();
            setOpen('none');
            onRevoke();
          }}
        >
          <p>
            Revoke <span class="mono">{item.key_id}</span>? Anything sending with its secret or its publishable key is refused at once. This cannot be undone.
          </p>
          <div class="actions">
            <button type="submit" class="danger" disabled={busy}>
              Revoke key
            </button>
            <button type="button" class="secondary" onClick={() => setOpen('none')}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </article>
  );
}
