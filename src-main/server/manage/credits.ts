import { AddCreditsBody, CreditsDto, CreditsQuery } from "../../contract/index.js";
import { changeableMember, visibleMember } from "./access.js";
import { creditEntryDto } from "./dto.js";
import { mutate, route, type Call, type ManageRoute } from "./routeTable.js";

function summary(balance: number, reserved: number) {
  return {
    balance_micros: balance,
    reserved_micros: reserved,
    available_micros: balance - reserved,
  };
}

/** Straight from the ledger tables: inside a transaction that may roll back, no cache is touched. */
function summaryFromStore(c: Call, memberId: string) {
  const { credits } = c.deps.store;
  return summary(credits.balance(memberId), credits.reserved(memberId));
}

function creditsView(c: Call, memberId: string, limit: number): CreditsDto {
  const { balance, reserved } = c.deps.ledger.creditsOf(memberId);
  return {
    ...summary(balance, reserved),
    entries: c.deps.store.credits.entries(memberId, limit).map(creditEntryDto),
  };
}

/** Member credits: a ledger of grants, top-ups, adjustments and usage debits. */
export const creditRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/members/:id/credits",
    access: "any",
    summary: "A member's credit balance and newest ledger entries",
    query: CreditsQuery,
    response: CreditsDto,
    handle: (c) => creditsView(c, visibleMember(c, c.params.id!).id, c.query.limit),
  }),
  route({
    method: "post",
    path: "/members/:id/credits",
    access: "admin",
    summary: "Grant, top up or adjust a member's credits",
    body: AddCreditsBody,
    response: CreditsDto,
    status: 201,
    handle: (c) => {
      const member = changeableMember(c, c.params.id!);
      const { kind, amount_micros, note } = c.body;
      mutate(
        c,
        { action: "credits.add", targetType: "credits", targetId: member.id, memberId: member.id },
        () => {
          const before = summaryFromStore(c, member.id);
          const entryId = c.deps.ledger.addCredits(
            member.id,
            kind,
            amount_micros,
            c.principal.memberId,
            note,
          );
          const after = {
            ...summaryFromStore(c, member.id),
            entry_id: entryId,
            kind,
            amount_micros,
          };
          return { before, after, result: undefined };
        },
      );
      return creditsView(c, member.id, 100);
    },
  }),
];
