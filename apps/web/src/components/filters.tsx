"use client";
import { useDebouncedText } from "../lib/use-debounced-text.ts";

export interface Choice {
  value: string;
  label: string;
}

/** A select whose empty value means "no filter". */
export function ChoiceFilter({
  label,
  any,
  choices,
  value,
  onChange,
  testId,
}: {
  label: string;
  /** The text of the empty choice, e.g. "any state". */
  any: string;
  choices: readonly (string | Choice)[];
  value: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      <option value="">{any}</option>
      {choices.map((c) => {
        const { value: v, label: text } = typeof c === "string" ? { value: c, label: c } : c;
        return (
          <option key={v} value={v}>
            {text}
          </option>
        );
      })}
    </select>
  );
}

/** A text filter committed once typing pauses. */
export function TextFilter({
  label,
  placeholder,
  value,
  onChange,
  testId,
  type = "text",
}: {
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
  type?: "text" | "search";
}) {
  const [text, setText] = useDebouncedText(value, onChange);
  return (
    <input
      type={type}
      aria-label={label}
      placeholder={placeholder}
      value={text}
      onChange={(e) => setText(e.target.value)}
      data-testid={testId}
    />
  );
}
