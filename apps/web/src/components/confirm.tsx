"use client";
import { type ReactNode, useState } from "react";

/** Asks before a disruptive operation, in the page rather than in a browser dialog. */
export function ConfirmBar({
  question,
  yes,
  onYes,
  onNo,
  children,
}: {
  question: ReactNode;
  /** The confirming button's text, e.g. "Yes, stop". */
  yes: string;
  onYes: () => void;
  onNo: () => void;
  /** Options of the operation, shown between the question and the buttons. */
  children?: ReactNode;
}) {
  return (
    <div className="confirm" role="alertdialog" aria-label={yes} data-testid="confirm">
      <span>{question}</span>
      {children}
      <button type="button" className="danger" onClick={onYes} data-testid="confirm-yes">
        {yes}
      </button>
      <button type="button" onClick={onNo} data-testid="confirm-no">
        Cancel
      </button>
    </div>
  );
}

/** A button that asks for confirmation in place before it runs `onConfirm`. */
export function ConfirmButton({
  label,
  question,
  onConfirm,
  danger = false,
  testId,
}: {
  label: string;
  question: ReactNode;
  onConfirm: () => void;
  danger?: boolean;
  testId: string;
}) {
  const [asking, setAsking] = useState(false);
  if (asking) {
    return (
      <ConfirmBar
        question={question}
        yes={`Yes, ${label.toLowerCase()}`}
        onYes={() => {
          setAsking(false);
          onConfirm();
        }}
        onNo={() => setAsking(false)}
      />
    );
  }
  return (
    <button
      type="button"
      className={danger ? "danger-outline" : undefined}
      onClick={() => setAsking(true)}
      data-testid={testId}
    >
      {label}
    </button>
  );
}
