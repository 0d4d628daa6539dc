import { useState } from 'preact/hooks';

/**
 * Copies `text` to the clipboard and says so. Where the browser refuses (no clipboard permission, a
 * page not served over https), it selects the text in `target` so the reader can copy it by hand.
 */
export function CopyButton({ text, label, target }: { text: string; label: string; target?: () => HTMLElement | null }) {
  const [said, setSaid] = useState('');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      const element = target?.();
      if (element) {
        const range = document.createRange();
        range.selectNodeContents(element);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      }
      setSaid('Selected: press Ctrl+C (⌘C) to copy');
    }
  };

  return (
    <span class="copy">
      <button type="button" class="secondary" onClick={() => void copy()}>
        {label}
      </button>
      <span class="copy-said" role="status">
        {said}
      </span>
    </span>
  );
}
