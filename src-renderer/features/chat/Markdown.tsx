import { Anchor } from "@mantine/core";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import "./chat.css";

/**
 * Answers are untrusted text. react-markdown builds React elements (no innerHTML) and shows raw
 * HTML as text, since rehype-raw is never used; its URL filter drops `javascript:` links. Images
 * become links instead of loading: a prompt-injected answer could otherwise leak the
 * conversation in an image URL the browser fetches by itself.
 */
const components: Components = {
  a: ({ href, children }) => (
    <Anchor href={href} target="_blank" rel="noreferrer noopener">
      {children}
    </Anchor>
  ),
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <Anchor href={src} target="_blank" rel="noreferrer noopener">
        {`[image: ${alt || src}]`}
      </Anchor>
    ) : (
      <span>{`[image: ${alt ?? ""}]`}</span>
    ),
};

/** Markdown with GitHub extensions (tables, task lists) and code blocks highlighted by language. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="chat-markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[[rehypeHighlight, { detect: false }]]}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
