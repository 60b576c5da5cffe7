import type { RequestBodyDto } from "@contract";
import { Alert, Code, Loader, Modal, Stack, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { errorText } from "../members/errorText";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * A retained request and its answer (`GET /usage/{id}/body`), as stored: the request as it was
 * dispatched, after the guard's redaction. Read when opened, never kept after it closes.
 */
export function BodyModal({
  usageId,
  read,
  onClose,
}: {
  usageId: string;
  read: (usageId: string) => Promise<RequestBodyDto>;
  onClose: () => void;
}) {
  const [body, setBody] = useState<RequestBodyDto>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    read(usageId).then(
      (b) => live && setBody(b),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [usageId, read]);

  return (
    <Modal opened onClose={onClose} title={`Request ${usageId}`} size="xl">
      {error ? (
        <Alert color="red" title="Could not open the body">
          {error}
        </Alert>
      ) : !body ? (
        <Loader size="sm" aria-label="Reading the body…" />
      ) : (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            Kept until {dateTime.format(body.expires_ms)}. The request is shown as it was sent,
            after the guard&apos;s redaction.
          </Text>
          <Title order={3} size="h5" id="body-request-title">
            Request ({body.request_bytes.toLocaleString("en-US")} bytes)
          </Title>
          <Code
            block
            aria-labelledby="body-request-title"
            data-body="request"
            mah={360}
            style={{ overflow: "auto" }}
          >
            {JSON.stringify(body.request, null, 2)}
          </Code>
          <Title order={3} size="h5" id="body-response-title">
            Answer ({body.response_bytes.toLocaleString("en-US")} bytes)
          </Title>
          <Code
            block
            aria-labelledby="body-response-title"
            data-body="response"
            mah={360}
            style={{ overflow: "auto" }}
          >
            {JSON.stringify(body.response, null, 2)}
          </Code>
        </Stack>
      )}
    </Modal>
  );
}
