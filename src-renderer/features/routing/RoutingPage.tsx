import { Alert, Center, Code, Loader, Stack, Text, Title } from "@mantine/core";
import { useEffect } from "react";
import { useEventsStore } from "../../stores/useEventsStore";
import { useRoutingStore } from "../../stores/useRoutingStore";
import { coalesce } from "../connections/liveRefresh";
import { useCanWrite } from "../connections/useConnectionsPage";
import { AliasList } from "./AliasList";
import { AutoSettingsForm } from "./AutoSettingsForm";
import { CategoryTable } from "./CategoryTable";
import { ModelCategoriesTable } from "./ModelCategoriesTable";
import { targetOptions } from "./routingForm";
import { TryRouteBox } from "./TryRouteBox";

/**
 * Events that change what the page shows: its own changes (`routing.settings`, `category.*`,
 * `alias.*`, `model.categories`), and models and pools coming and going (they are the targets).
 */
const LIVE_EVENT_PREFIXES = ["routing.", "category.", "alias.", "model.", "pool."] as const;

/**
 * Routing (staff; viewers read only): a try-it box, the route table `auto` uses, aliases with
 * their fallback chains, the categories of models and pools (access by category), and how `auto`
 * classifies. See docs/ROUTING.md.
 */
export function RoutingPage() {
  const s = useRoutingStore();
  const canWrite = useCanWrite();

  useEffect(() => {
    const refresh = coalesce(() => useRoutingStore.getState().refresh());
    void refresh();
    const off = useEventsStore.getState().subscribe(LIVE_EVENT_PREFIXES, () => void refresh());
    return () => {
      off();
      useRoutingStore.getState().reset();
    };
  }, []);

  if (!s.routing)
    return s.error ? (
      <Alert color="red" title="Could not read routing">
        {s.error}
      </Alert>
    ) : (
      <Center h={200}>
        <Loader aria-label="Reading routing…" />
      </Center>
    );

  const { settings, categories, aliases, model_categories } = s.routing;
  const ids = {
    localModels: s.localModels,
    pools: s.pools,
    aliases: aliases.map((a) => a.id),
  };
  const targets = targetOptions(ids);
  const categoryNames = categories.map((c) => c.name);
  const defaultTargetLabel =
    settings.default_target ?? `first local model: ${s.localModels[0] ?? "none yet"}`;

  return (
    <Stack gap="md">
      <Stack gap={4}>
        <Title order={1} size="h2">
          Routing
        </Title>
        <Text c="dimmed" size="sm">
          Aliases with fallback chains, and <Code>auto</Code>, which reads each request and sends it
          to the model for its category.
          {!canWrite && " You can look and try prompts but not change anything (viewer)."}
        </Text>
      </Stack>
      {s.error && (
        <Alert color="red" title="Could not refresh routing">
          {s.error}
        </Alert>
      )}
      <TryRouteBox aliases={ids.aliases} test={s.test} />
      <CategoryTable
        categories={categories}
        targets={targets}
        defaultTargetLabel={defaultTargetLabel}
        defaultCategory={settings.default_category}
        canWrite={canWrite}
        save={s.saveCategory}
        remove={s.deleteCategory}
      />
      <AliasList
        aliases={aliases}
        ids={ids}
        categories={categoryNames}
        canWrite={canWrite}
        save={s.saveAlias}
        remove={s.deleteAlias}
      />
      <ModelCategoriesTable
        localModels={s.localModels}
        pools={s.pools}
        categories={categoryNames}
        modelCategories={model_categories}
        canWrite={canWrite}
        save={s.setModelCategories}
      />
      <AutoSettingsForm
        settings={settings}
        localModels={s.localModels}
        categories={categoryNames}
        targets={targets}
        canWrite={canWrite}
        save={s.saveSettings}
      />
    </Stack>
  );
}
