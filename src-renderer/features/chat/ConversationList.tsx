import {
  ActionIcon,
  Alert,
  Button,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconDots, IconPlus, IconSearch, IconTrash } from "@tabler/icons-react";
import { SNIPPET_MATCH_END, SNIPPET_MATCH_START, type ConversationSummaryDto } from "@contract";
import { useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { snippetRuns } from "../../lib/chatMetrics";
import { useChatStore } from "../../stores/useChatStore";

/** Milliseconds of quiet typing before the search runs. */
const SEARCH_DEBOUNCE_MS = 250;

/** The matched words of a search hit, marked (React text nodes: the snippet is never HTML). */
function Snippet({ text }: { text: string }) {
  return (
    <span className="chat-snippet">
      {snippetRuns(text, SNIPPET_MATCH_START, SNIPPET_MATCH_END).map((r, i) =>
        r.match ? <mark key={i}>{r.text}</mark> : <span key={i}>{r.text}</span>,
      )}
    </span>
  );
}

function Entry({
  c,
  active,
  onDelete,
}: {
  c: ConversationSummaryDto;
  active: boolean;
  onDelete(): void;
}) {
  const open = useChatStore((s) => s.open);
  return (
    <NavLink
      component="button"
      active={active}
      label={c.title}
      description={
        c.snippet ? <Snippet text={c.snippet} /> : new Date(c.updated_ms).toLocaleString()
      }
      onClick={() => void open(c.id)}
      rightSection={
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon
              component="span"
              variant="subtle"
              color="gray"
              size="sm"
              aria-label={`More for ${c.title}`}
              onClick={(e) => e.stopPropagation()}
            >
              <IconDots size={14} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={onDelete}>
              Delete conversation
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      }
    />
  );
}

/** New chat, search, and the caller's conversations (a viewer's are not saved). */
export function ConversationList({ saves }: { saves: boolean }) {
  const { list, hasMore, listError, conversationId, loadList, loadMore, newChat, remove } =
    useChatStore(
      useShallow((s) => ({
        list: s.list,
        hasMore: s.hasMore,
        listError: s.listError,
        conversationId: s.conversationId,
        loadList: s.loadList,
        loadMore: s.loadMore,
        newChat: s.newChat,
        remove: s.remove,
      })),
    );
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    if (saves) void loadList(debounced);
  }, [debounced, saves, loadList]);

  return (
    <Stack gap="xs" h="100%" w={{ base: 230, lg: 270 }} style={{ flexShrink: 0 }}>
      <Button leftSection={<IconPlus size={16} />} variant="light" onClick={newChat}>
        New chat
      </Button>
      {saves ? (
        <>
          <TextInput
            leftSection={<IconSearch size={14} />}
            placeholder="Search conversations"
            aria-label="Search conversations"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          {listError && (
            <Alert color="red" variant="light">
              {listError}
            </Alert>
          )}
          <ScrollArea style={{ flex: 1 }} type="auto">
            <nav aria-label="Conversations">
              {list.map((c) => (
                <Entry
                  key={c.id}
                  c={c}
                  active={c.id === conversationId}
                  onDelete={() => void remove(c.id)}
                />
              ))}
            </nav>
            {list.length === 0 && !listError && (
              <Text size="sm" c="dimmed" p="xs">
                {debounced.trim() ? "No conversation matches." : "No conversations yet."}
              </Text>
            )}
            {hasMore && (
              <Button variant="subtle" size="xs" fullWidth onClick={() => void loadMore()}>
                Load more
              </Button>
            )}
          </ScrollArea>
        </>
      ) : (
        <Text size="sm" c="dimmed">
          Viewers cannot save conversations: this chat lasts until you leave or reload the page.
        </Text>
      )}
    </Stack>
  );
}
