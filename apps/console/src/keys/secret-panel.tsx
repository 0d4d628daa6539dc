import { useEffect, useRef } from 'preact/hooks';
import type { IssuedKey } from '../api/keys';
import { CopyButton } from './copy-button';
import { exportLine } from './key-snippets';

/**
 * The one time a secret is on screen, after a create or a rotation. It lives only in this
 * component's props (memory): a reload, another page, or "I have saved it" and it is gone for good.
 */
export function SecretPanel({ issued, reason, onDone }: { issued: IssuedKey; reason: 'created' | 'rotated'; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const code = useRef<HTMLElement>(null);
  useEffect(() => heading.current?.focus(), [issued.key_id]);

  return (
    <section class="card secret-panel" aria-labelledby="secret-title">
      <h2 id="secret-title" tabIndex={-1} ref={heading}>
        {reason === 'created' ? 'Key created' : 'Key rotated'}: copy its secret now
      </h2>
      <p class="warning">
        <strong>You will not see this secret again.</strong> The gateway keeps only its hash; if you lose it, rotate the key for a new one.
      </p>
      <dl class="key-facts">
        <dt>Key</dt>
        <dd class="mono">{issued.key_id}</dd>
        <dt>Scopes</dt>
        <dd>{issued.scopes.join(', ')}</dd>
      </dl>
      <p class="secret-label">
        Secret
      </p>
      <code class="secret" ref={code}>
        {issued.secret}
      </code>
      <div class="actions">
        <CopyButton text={issued.secret} label="Copy secret" target={() => code.current} />
        <button type="button" onClick={onDone}>
          I have saved it
        </button>
      </div>
      <p class="muted">For the snippets below, in your shell or your server's environment:</p>
      <pre class="snippet wrap">
        <code>{exportLine(issued.secret)}</code>
      </pre>
    </section>
  );
}
