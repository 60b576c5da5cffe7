import type { MemberStatus, Role } from "@contract";
import { describe, expect, it } from "vitest";
import {
  assignableRoles,
  canChangeMember,
  canCreateKeys,
  canDelete,
  canSetStatus,
} from "../../../src-renderer/lib/memberPermissions";

const who = (id: string, role: Role, status: MemberStatus = "active") => ({ id, role, status });
const owner = who("o", "owner");
const admin = who("a", "admin");
const admin2 = who("a2", "admin");
const member = who("m", "member");
const member2 = who("m2", "member");
const viewer = who("v", "viewer");
const gone = who("d", "member", "deleted");

describe("member permissions mirror the server's", () => {
  it("the owner changes anyone but deleted members, and is never disabled or deleted", () => {
    for (const t of [owner, admin, member, viewer]) expect(canChangeMember(owner, t)).toBe(true);
    expect(canChangeMember(owner, gone)).toBe(false);
    expect(canSetStatus(owner, owner)).toBe(false);
    expect(canDelete(owner, owner)).toBe(false);
    expect(canDelete(owner, admin)).toBe(true);
    expect(assignableRoles(owner)).toEqual(["member", "viewer", "admin"]);
  });

  it("admins manage members, viewers and themselves, not the owner or other admins", () => {
    expect([owner, admin, admin2, member, viewer].map((t) => canChangeMember(admin, t))).toEqual([
      false,
      true,
      false,
      true,
      true,
    ]);
    expect(canSetStatus(admin, admin)).toBe(false);
    expect(canSetStatus(admin, member)).toBe(true);
    expect(canDelete(admin, admin)).toBe(false);
    expect(canDelete(admin, viewer)).toBe(true);
    expect(assignableRoles(admin)).toEqual(["member", "viewer"]);
  });

  it("members create keys for themselves only; viewers never", () => {
    expect(canCreateKeys(member, member)).toBe(true);
    expect(canCreateKeys(member, member2)).toBe(false);
    expect(canChangeMember(member, member)).toBe(false);
    expect(canCreateKeys(viewer, viewer)).toBe(false);
    expect(canCreateKeys(admin, member)).toBe(true);
    expect(canCreateKeys(admin, admin2)).toBe(false);
    expect(canCreateKeys(owner, gone)).toBe(false);
  });
});
