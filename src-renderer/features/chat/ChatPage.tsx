import { Group } from "@mantine/core";
import { useEffect } from "react";
import { useAuthStore } from "../../stores/useAuthStore";
import { useChatStore } from "../../stores/useChatStore";
import { ChatPanel } from "./ChatPanel";
import { ConversationList } from "./ConversationList";

/** Height of the app header plus the page padding (src-renderer/layout/AppLayout.tsx). */
const CHROME_PX = 56 + 2 * 16;

/**
 * `#/chat`: talk to the local models and the pools the caller may use. Conversations are saved
 * on the server, private to whoever wrote them (viewers' are not saved: their role changes
 * nothing); the list searches titles and messages.
 */
export function ChatPage() {
  const role = useAuthStore((s) => s.me?.role);
  useEffect(() => {
    if (!role) return;
    void useChatStore.getState().loadModels();
  }, [role]);
  return (
    <Group align="stretch" gap="md" wrap="nowrap" h={`calc(100dvh - ${CHROME_PX}px)`}>
      <ConversationList saves={role !== "viewer"} />
      <ChatPanel />
    </Group>
  );
}
