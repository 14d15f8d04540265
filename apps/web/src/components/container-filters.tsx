"use client";
import { ContainerState } from "@crowsnest/protocol";
import type { ContainerFilter } from "../lib/container-filter.ts";
import { type Choice, ChoiceFilter, TextFilter } from "./filters.tsx";

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
      <TextFilter
        label="Filter by name"
        placeholder="name"
        value={value.name}
        onChange={(name) => onChange({ name })}
        testId="filter-name"
      />
      <TextFilter
        label="Filter by image"
        placeholder="image"
        value={value.image}
        onChange={(image) => onChange({ image })}
        testId="filter-image"
      />
      <TextFilter
        label="Filter by label"
        placeholder="label key or key=value"
        value={value.label}
        onChange={(label) => onChange({ label })}
        testId="filter-label"
      />
    </div>
  );
}
