import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Sorts by this key when the header is clicked (see `sort`). */
  sortKey?: string;
  numeric?: boolean;
  /** Hidden at phone width. */
  wide?: boolean;
}

export interface Sort {
  key: string;
  dir: "asc" | "desc";
  onSort: (key: string, dir: "asc" | "desc") => void;
}

/** A table that scrolls sideways on its own when too wide, with optional sortable headers. */
export function DataTable({
  columns,
  sort,
  stackOnPhone = false,
  testId,
  children,
}: {
  columns: readonly Column[];
  sort?: Sort;
  /** At phone width each row becomes a block of its cells, so nothing needs sideways scrolling. */
  stackOnPhone?: boolean;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={stackOnPhone ? "table stack-sm" : "table"} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <HeaderCell key={c.label} column={c} sort={sort} />
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function HeaderCell({ column, sort }: { column: Column; sort: Sort | undefined }) {
  const className = [column.numeric ? "num" : "", column.wide ? "hide-sm" : ""].join(" ").trim() || undefined;
  const key = column.sortKey;
  if (!sort || key === undefined) return <th className={className}>{column.label}</th>;
  const active = sort.key === key;
  // Numbers sort biggest first on the first click: that is what one looks for.
  const first = column.numeric ? "desc" : "asc";
  const next = active ? (sort.dir === "asc" ? "desc" : "asc") : first;
  return (
    <th className={className} aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        className="th-sort"
        onClick={() => sort.onSort(key, next)}
        data-testid={`sort-${key}`}
      >
        {column.label} {active ? (sort.dir === "asc" ? "▲" : "▼") : ""}
      </button>
    </th>
  );
}
