import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiErrorShape, errorInWords, statusName, when, whenShort } from './format';

export function Badge({ status, label }: { status: string | null | undefined; label?: string }): JSX.Element {
  const cls = `badge s-${String(status ?? '').replace(/[^a-z_]/gi, '')}`;
  return (
    <span class={cls} data-status={status ?? ''}>
      {label ?? statusName(status)}
    </span>
  );
}

/** A timestamp: full (to the millisecond) in the tooltip and the datetime attribute. */
export function Time({ iso, short }: { iso: string | null | undefined; short?: boolean }): JSX.Element {
  if (!iso) return <span>—</span>;
  const s = short ? whenShort(iso) : null;
  return (
    <time dateTime={iso} title={when(iso)} class={short ? 'when-short' : 'when'}>
      {s ? (
        <>
          <span class="d">{s.date}</span> <span class="t">{s.time}</span>
        </>
      ) : (
        when(iso)
      )}
    </time>
  );
}

export function ErrorBox({ error, action }: { error: ApiErrorShape; action: string }): JSX.Element {
  return (
    <div class="alert" role="alert">
      <p>{errorInWords(action, error)}</p>
      <p class="muted small">
        {error.code}
        {error.status ? ` · HTTP ${error.status}` : ''}
        {error.requestId ? ` · request id ${error.requestId}` : ''}
      </p>
    </div>
  );
}

export const OkBox = ({ children }: { children: ComponentChildren }): JSX.Element => (
  <div class="ok" role="status">
    {children}
  </div>
);

export function DataDetails({ label, value }: { label: string; value: unknown }): JSX.Element {
  if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0)) return <>—</>;
  return (
    <details>
      <summary>{label}</summary>
      <pre>{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

/**
 * A table that becomes a list of cards on a phone: each cell carries its column name
 * (data-label), which the narrow layout prints before the value.
 */
export function Table({ caption, headers, children, id }: { caption: string; headers: string[]; children: ComponentChildren; id?: string }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="cards" id={id}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {headers.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export const Cell = ({ label, children, class: cls }: { label: string; children?: ComponentChildren; class?: string }): JSX.Element => (
  <td data-label={label} class={cls}>
    {children}
  </td>
);

// ---------------------------------------------------------------------------- confirmation

export interface ConfirmRequest {
  title: string;
  body: ComponentChildren;
  confirm: string;
  /** Asks for a note (required) and resolves with it. */
  note?: { label: string; hint?: string };
  /** A stronger warning style (final orders). */
  warning?: boolean;
}

let ask: ((r: ConfirmRequest) => Promise<string | null>) | null = null;

/** Asks the person first; resolves with the note (or "" without one), or null when they cancel. */
export function confirmFirst(r: ConfirmRequest): Promise<string | null> {
  if (!ask) return Promise.resolve(null);
  return ask(r);
}

/** The one modal dialog of the console (a native <dialog>: focus kept inside, Escape cancels). */
export function ConfirmHost(): JSX.Element {
  const [req, setReq] = useState<(ConfirmRequest & { done: (v: string | null) => void }) | null>(null);
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ask = (r) =>
      new Promise((resolve) => {
        setNote('');
        setNoteError(false);
        setReq({ ...r, done: resolve });
      });
    return () => {
      ask = null;
    };
  }, []);
  useEffect(() => {
    const d = dialog.current;
    if (req && d && !d.open) d.showModal();
  }, [req]);
  const close = (v: string | null) => {
    dialog.current?.close();
    const r = req;
    setReq(null);
    r?.done(v);
  };
  return (
    <dialog ref={dialog} class={req?.warning ? 'confirm warning' : 'confirm'} aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); close(null); }}>
      {req ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (req.note && !note.trim()) {
              setNoteError(true);
              return;
            }
            close(req.note ? note.trim() : '');
          }}
        >
          <h2 id="confirm-title">{req.title}</h2>
          <div class="confirm-body">{req.body}</div>
          {req.note ? (
            <div class="field">
              <label for="confirm-note">{req.note.label}</label>
              <textarea id="confirm-note" rows={3} maxLength={1000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} aria-invalid={noteError} aria-describedby="confirm-note-hint" />
              <p class="hint" id="confirm-note-hint">
                {noteError ? <strong class="error-text">A note is required. </strong> : null}
                {req.note.hint ?? ''}
              </p>
            </div>
          ) : null}
          <div class="actions">
            <button type="submit" class="primary">
              {req.confirm}
            </button>
            <button type="button" class="secondary" onClick={() => close(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}

/** A button that disables itself while its action runs. */
export function ActionButton({ label, hint, run, disabled, ariaLabel }: { label: string; hint: string; run: () => Promise<unknown>; disabled?: boolean; ariaLabel?: string }): JSX.Element {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      title={hint}
      aria-label={ariaLabel}
      disabled={busy || disabled}
      aria-busy={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await run();
        } finally {
          setBusy(false);
        }
      }}
    >
      {label}
    </button>
  );
}

// ---------------------------------------------------------------------------- page helpers

let flash: string | null = null;
/** A success message for the next view drawn (an action draws its view again). */
export const setFlash = (text: string | null): void => {
  flash = text;
};
export const takeFlash = (): string | null => {
  const f = flash;
  flash = null;
  return f;
};

/** The page's h1, focused when the view opens (unless the person is typing in a field). */
export function Heading({ children }: { children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const active = document.activeElement;
    if (ref.current && !(active instanceof HTMLInputElement || active instanceof HTMLSelectElement)) ref.current.focus();
  }, []);
  return (
    <h1 tabIndex={-1} id="page-title" ref={ref}>
      {children}
    </h1>
  );
}
