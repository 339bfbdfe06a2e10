// A modal dialog: native <dialog> (the page behind is inert), focus kept inside, Escape closes, focus restored.
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from "react";
import { CloseIcon } from "./icons.tsx";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

type DialogProps = {
  title: string;
  /** Shown under the title and read with it. */
  description?: ReactNode;
  onClose(): void;
  children: ReactNode;
  /** `wide` for tables (versions). */
  size?: "normal" | "wide";
  /**
   * Where focus goes on close, when not back to the opener: asked at close time, so a dialog can send
   * focus elsewhere once its action made the opener disappear (a deleted row's Delete button).
   */
  returnFocus?: () => HTMLElement | null | undefined;
};

function focusableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (element) => element.getClientRects().length > 0,
  );
}

/**
 * Mounted means open. Focus starts on the element marked `data-autofocus` (else the first field), Tab
 * and Shift+Tab cycle inside, Escape calls onClose, and closing returns focus to where it was.
 */
export function Dialog({ title, description, onClose, children, size = "normal", returnFocus }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const returnFocusRef = useRef(returnFocus);
  returnFocusRef.current = returnFocus;

  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    const first =
      dialog.querySelector<HTMLElement>("[data-autofocus]") ??
      dialog.querySelector<HTMLElement>(
        ".dialog-body :is(input, select, textarea, button):not([disabled])",
      ) ??
      focusableIn(dialog)[0];
    first?.focus();
    return () => {
      dialog.close();
      // The opener may be gone: the page's heading is the next best place.
      const target =
        returnFocusRef.current?.() ??
        (opener?.isConnected ? opener : document.querySelector<HTMLElement>("main h1"));
      target?.focus();
    };
  }, []);

  const trapTab = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== "Tab") return;
    const elements = focusableIn(event.currentTarget);
    const first = elements[0];
    const last = elements.at(-1);
    if (first === undefined || last === undefined) return;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !event.currentTarget.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !event.currentTarget.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      aria-describedby={description === undefined ? undefined : descriptionId}
      onKeyDown={trapTab}
      onCancel={(event) => {
        // Escape: React state decides what is open, so the dialog closes by being unmounted.
        event.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" title="Close" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      {description === undefined ? null : (
        <div id={descriptionId} className="dialog-description">
          {description}
        </div>
      )}
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
