import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { DEFAULT_KEY_SCOPES, KEY_SCOPES, createKey, listKeys, revokeKey, rotateKey, type IssuedKey, type KeyList, type KeyScope } from '../api/keys';
import { CopyButton } from '../keys/copy-button';
import { KeyCard } from '../keys/key-card';
import { browserSnippet, curlSnippet, nodeSnippet, SECRET_VARIABLE } from '../keys/key-snippets';
import { SecretPanel } from '../keys/secret-panel';
import type { PageProps } from './index';

const SCOPE_TEXT: Record<KeyScope, string> = {
  ingest: 'ingest: send events',
  read: 'read: the read API and the console',
  admin: 'admin: manage keys and the tenant’s settings',
};

const messageOf = (failure: unknown): string => {
  if (failure instanceof ApiError && failure.details.length > 0) return `${failure.message} (${failure.details.map((detail) => `${detail.field} ${detail.reason}`).join('; ')})`;
  return failure instanceof Error ? failure.message : String(failure);
};

/**
 * The tenant's tracking keys (issue 21): the list (never a secret), and with the `admin` scope
 * create (scopes, description), rotate with an overlap and revoke, each through /console/api/keys.
 * A new secret is shown once, in memory only; the snippets say how to send with a key.
 */
export function KeysPage({ session, customerId }: PageProps) {
  const canManage = session.role === 'operator' || session.scopes.includes('admin');
  const [list, setList] = useState<KeyList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<{ key: IssuedKey; reason: 'created' | 'rotated' } | null>(null);
  const [notice, setNotice] = useState('');

  const load = async () => {
    try {
      setList(await listKeys(customerId));
      setError(null);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  useEffect(() => {
    setList(null);
    setIssued(null);
    void load();
  }, [customerId]);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await what();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
      await load();
    }
  };

  const tenant = list?.customer_id ?? customerId ?? session.customer_id ?? '';
  const keys = list?.keys ?? [];
  const replacedBy = new Map(keys.filter((key) => key.rotated_from).map((key) => [key.rotated_from ?? '', key.key_id]));
  const ordered = [...keys].reverse();

  return (
    <section aria-labelledby="keys-title" class="keys-page">
      <div class="page-head">
        <h1 id="keys-title">Keys</h1>
        <p class="muted">{tenant} · tracking keys for servers (secret) and browsers (publishable key)</p>
      </div>
      {!canManage && (
        <p class="note" role="note">
          Read only: this session’s token has no <strong>admin</strong> scope, so you can see the keys but not create, rotate or revoke them. Sign in with a
          token that has the admin scope to manage keys.
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="visually-hidden" role="status">
        {notice}
      </p>
      {issued && <SecretPanel issued={issued.key} reason={issued.reason} onDone={() => setIssued(null)} />}
      {canManage && (
        <CreateKeyForm
          busy={busy}
          onCreate={(input) =>
            act(async () => {
              const key = await createKey(input, customerId);
              setIssued({ key, reason: 'created' });
            })
          }
        />
      )}
      <section aria-labelledby="key-list-title">
        <h2 id="key-list-title">Keys of {tenant}</h2>
        {!list && !error && <p class="muted">Loading the keys…</p>}
        {list && keys.length === 0 && <p class="muted">No keys made through the console or the keys API yet. Tokens declared in config.yaml are not listed here.</p>}
        <div class="key-list">
          {ordered.map((item) => (
            <KeyCard
              key={item.key_id}
              item={item}
              replacedBy={replacedBy.get(item.key_id)}
              canManage={canManage}
              busy={busy}
              onRotate={(overlap) =>
                void act(async () => {
                  const rotated = await rotateKey(item.key_id, overlap, customerId);
                  setIssued({ key: rotated.key, reason: 'rotated' });
                })
              }
              onRevoke={() =>
                void act(async () => {
                  await revokeKey(item.key_id, customerId);
                  setNotice(`Key ${item.key_id} revoked`);
                })
              }
            />
          ))}
        </div>
      </section>
      {list && <Snippets list={list} />}
    </section>
  );
}

function CreateKeyForm({ busy, onCreate }: { busy: boolean; onCreate: (input: { description?: string; scopes: KeyScope[] }) => Promise<void> }) {
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState<KeyScope[]>([...DEFAULT_KEY_SCOPES]);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (scopes.length === 0) {
      setProblem('Choose at least one scope.');
      return;
    }
    setProblem(null);
    await onCreate({ ...(description.trim() ? { description: description.trim() } : {}), scopes: KEY_SCOPES.filter((scope) => scopes.includes(scope)) });
    setDescription('');
    setScopes([...DEFAULT_KEY_SCOPES]);
  };

  const toggle = (scope: KeyScope, on: boolean) => setScopes((current) => (on ? [...current.filter((item) => item !== scope), scope] : current.filter((item) => item !== scope)));

  return (
    <form class="card create-key" aria-labelledby="create-key-title" onSubmit={(event) => void submit(event)}>
      <h2 id="create-key-title">Create a key</h2>
      <label class="field">
        Description
        <input name="description" maxLength={200} placeholder="e.g. web shop servers" value={description} onInput={(event) => setDescription(event.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        {KEY_SCOPES.map((scope) => (
          <label key={scope} class="choice">
            <input type="checkbox" name="scopes" value={scope} checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.currentTarget.checked)} />
            {SCOPE_TEXT[scope]}
          </label>
        ))}
      </fieldset>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Working…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

/** How to send with a key: curl and Node with the secret (in TRACKING_SECRET), the site snippet with a publishable key. */
function Snippets({ list }: { list: KeyList }) {
  const context = { endpoint: location.origin, customerId: list.customer_id };
  const live = [...list.keys].reverse().find((key) => (key.status === 'active' || key.status === 'expiring') && key.scopes.includes('ingest'));
  const publishableKey = list.browser.publishable_keys[0] ?? live?.publishable_key;
  return (
    <section class="card snippets" aria-labelledby="snippets-title">
      <h2 id="snippets-title">Send events</h2>
      <h3>On your servers</h3>
      <p class="muted">
        With a key’s secret in the environment variable <code>{SECRET_VARIABLE}</code>, never in a page or a repository:
      </p>
      <Snippet title="curl" text={curlSnippet(context)} />
      <Snippet title="Node SDK (@tracking-platform/node)" text={nodeSnippet(context)} />
      <h3>On your site</h3>
      {publishableKey ? (
        <>
          <p class="muted">
            The browser script uses a publishable key (public by design), accepted only from your allowed origins:{' '}
            {list.browser.allowed_origins.length > 0 ? list.browser.allowed_origins.join(', ') : 'none yet; ask your operator to add your site'}.
          </p>
          <Snippet title="Site snippet" text={browserSnippet({ ...context, publishableKey, script: list.browser.script })} />
        </>
      ) : (
        <p class="muted">No publishable key yet: create a key with the ingest scope and its publishable key goes here.</p>
      )}
    </section>
  );
}

function Snippet({ title, text }: { title: string; text: string }) {
  const code = useRef<HTMLElement>(null);
  return (
    <div class="snippet-block">
      <div class="snippet-head">
        <h4>{title}</h4>
        <CopyButton text={text} label={`Copy ${title}`} target={() => code.current} />
      </div>
      <pre class="snippet" tabIndex={0} role="region" aria-label={title}>
        <code ref={code}>{text}</code>
      </pre>
    </div>
  );
}
