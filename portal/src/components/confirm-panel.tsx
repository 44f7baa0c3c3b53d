import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * An inline confirmation: takes focus when shown, and offers a confirm and a back-out button.
 * Inline rather than modal so it works the same with keyboard, screen reader and small screens.
 */
export function ConfirmPanel(props: {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  disabled?: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="confirm" aria-labelledby="confirm-title">
      <h3 id="confirm-title" ref={heading} tabIndex={-1}>
        {props.title}
      </h3>
      {props.children}
      <div class="button-row">
        <button type="button" class="button-danger" onClick={props.onConfirm} disabled={props.busy || props.disabled} aria-busy={props.busy}>
          {props.busy ? 'Working…' : props.confirmLabel}
        </button>
        <button type="button" class="button-secondary" onClick={props.onCancel} disabled={props.busy}>
          {props.cancelLabel}
        </button>
      </div>
    </section>
  );
}
