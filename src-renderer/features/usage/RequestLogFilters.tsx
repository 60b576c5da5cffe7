import { Group, Select } from "@mantine/core";
import {
  FALLBACK_OPTIONS,
  GUARDED_OPTIONS,
  STATUS_OPTIONS,
  type LogFilters,
} from "./requestLogView";
import { NO_CATEGORY } from "./usageSeries";

interface RequestLogFiltersProps {
  filters: LogFilters;
  onChange: (change: Partial<LogFilters>) => void;
  /** Staff only: `[id, name]` of every member to filter by. Members get no member filter. */
  members?: [string, string][];
  models: string[];
  /** Connections seen or known: `[id, label]`. */
  connections: [string, string][];
  /** Route categories seen in the range. */
  categories: string[];
  /** Client session ids active in the range (`GET /usage/sessions`). */
  sessions?: string[];
}

/** Filters of the request log; each is cleared back to "Any". */
export function RequestLogFilters({
  filters,
  onChange,
  members,
  models,
  connections,
  categories,
  sessions = [],
}: RequestLogFiltersProps) {
  const common = {
    size: "xs",
    clearable: true,
    placeholder: "Any",
    w: 170,
    comboboxProps: { withinPortal: true },
  } as const;
  const modelOptions = [...new Set([...models, ...(filters.model ? [filters.model] : [])])].sort();
  const categoryOptions = [
    { value: NO_CATEGORY, label: "No category" },
    ...[...new Set([...categories, ...(filters.category ? [filters.category] : [])])]
      .filter((c) => c !== NO_CATEGORY)
      .sort()
      .map((c) => ({ value: c, label: c })),
  ];
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      {members && (
        <Select
          {...common}
          label="Member"
          searchable
          data={members.map(([value, label]) => ({ value, label }))}
          value={filters.member ?? null}
          onChange={(v) => onChange({ member: v ?? undefined })}
        />
      )}
      <Select
        {...common}
        label="Model"
        searchable
        data={modelOptions}
        value={filters.model ?? null}
        onChange={(v) => onChange({ model: v ?? undefined })}
      />
      <Select
        {...common}
        label="Status"
        data={STATUS_OPTIONS}
        value={filters.status ?? null}
        onChange={(v) => onChange({ status: (v ?? undefined) as LogFilters["status"] })}
      />
      <Select
        {...common}
        label="Provider"
        data={[
          { value: "local", label: "Local" },
          { value: "remote", label: "Remote (any)" },
          ...connections.map(([value, label]) => ({ value, label })),
        ]}
        value={filters.provider ?? null}
        onChange={(v) => onChange({ provider: v ?? undefined })}
      />
      <Select
        {...common}
        label="Category"
        data={categoryOptions}
        value={filters.category ?? null}
        onChange={(v) => onChange({ category: v ?? undefined })}
      />
      <Select
        {...common}
        label="Fallback"
        data={[...FALLBACK_OPTIONS]}
        value={filters.fallback ?? null}
        onChange={(v) => onChange({ fallback: (v ?? undefined) as LogFilters["fallback"] })}
      />
      <Select
        {...common}
        label="Guard"
        data={[...GUARDED_OPTIONS]}
        value={filters.guarded ?? null}
        onChange={(v) => onChange({ guarded: (v ?? undefined) as LogFilters["guarded"] })}
      />
      <Select
        {...common}
        label="Session"
        searchable
        data={[...new Set([...sessions, ...(filters.session ? [filters.session] : [])])]}
        value={filters.session ?? null}
        onChange={(v) => onChange({ session: v ?? undefined })}
      />
    </Group>
  );
}
