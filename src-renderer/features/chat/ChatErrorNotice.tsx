import { Alert, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import type { MessageErrorDto } from "@contract";
import { chatErrorText } from "../../lib/chatErrors";

/** A failed answer in plain words (chosen by the API's error code), with what to do. */
export function ChatErrorNotice({ error }: { error: MessageErrorDto }) {
  // Stored errors keep the code, not the status: the code alone picks the wording.
  const text = chatErrorText({ status: 0, code: error.code, message: error.message });
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      title={text.title}
      role="alert"
    >
      {text.detail && <Text size="sm">{text.detail}</Text>}
      <Text size="sm" fw={500} mt={4}>
        {text.action}
      </Text>
    </Alert>
  );
}
