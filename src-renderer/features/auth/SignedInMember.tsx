import { maskKey } from "../../lib/maskKey";
import { useAuthStore } from "../../stores/useAuthStore";

/** The header's "who am I": the key's member and role, and the way out. */
export function SignedInMember() {
  const me = useAuthStore((s) => s.me);
  const key = useAuthStore((s) => s.key);
  const signOut = useAuthStore((s) => s.signOut);
  if (!key) return null;
  return (
    <div className="member">
      {me ? (
        <span className="member-name" title={me.email ?? undefined}>
          {me.name} <span className="tag tag-idle">{me.role}</span>
        </span>
      ) : (
        // The server does not say whose key it is (no /manage/v1/me yet): its last 4 characters.
        <span className="member-name muted">
          Key <code>{maskKey(key)}</code>
        </span>
      )}
      <button type="button" className="button" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}
