"use client";
import { ContainerState } from "@crowsnest/protocol";
import type { ContainerFilter } from "../lib/container-filter.ts";
import { type Choice, ChoiceFilter, TextFilter } from "./filters.tsx";

const TEXT_FILTERS: { key: "name" | "image" | "label"; placeholder: string }[] = [
  { key: "name", placeholder: "name" },
  { key: "image", placeholder: "image" },
  { key: "label", placeholder: "label key or key=value" },
];

/** The filter bar over a container list (fleet and host pages); `hosts` adds a host choice. */
export function ContainerFilters({
  value,
  onChange,
  hosts,
}: {
  value: ContainerFilter & { host?: string };
  onChange: (patch: Partial<ContainerFilter & { host: string }>) => void;
  hosts?: Choice[];
}) {
  return (
    <div className="filters">
      {hosts && (
        <ChoiceFilter
          label="Filter by host"
          any="all hosts"
          choices={hosts}
          value={value.host ?? ""}
          onChange={(host) => onChange({ host })}
          testId="filter-host"
        />
      )}
      <ChoiceFilter
        label="Filter by state"
        any="any state"
        choices={ContainerState.options}
        value={value.state}
        onChange={(state) => onChange({ state })}
        testId="filter-state"
      />
      {TEXT_FILTERS.map(({ key, placeholder }) => (
        <TextFilter
          key={key}
          label={`Filter by ${key}`}
          placeholder={placeholder}
          value={value[key]}
          onChange={(text) => onChange({ [key]: text })}
          testId={`filter-${key}`}
        />
      ))}
    </div>
  );
}
