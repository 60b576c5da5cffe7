import { DeletedPriceDto, PriceBody, PriceDto, PriceListDto } from "../../contract/index.js";
import { mutate, notFound, route, type ManageRoute } from "./routeTable.js";

/** Prices per model. Model ids may contain `/` (`org/model`), so the path is a wildcard. */
export const priceRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/prices",
    access: "staff",
    summary: "Every priced model (unpriced models are free and org-paid)",
    response: PriceListDto,
    handle: (c) => ({ object: "list", data: c.deps.store.limits.prices() }),
  }),
  route({
    method: "put",
    path: "/prices/*model",
    access: "admin",
    summary: "Set a model's price per million tokens and who pays",
    body: PriceBody,
    response: PriceDto,
    handle: (c) => {
      const model = c.params.model!;
      const price: PriceDto = { model, ...c.body };
      return mutate(
        c,
        { action: "price.set", targetType: "price", targetId: model, memberId: null },
        () => {
          const before = c.deps.store.limits.price(model) ?? null;
          c.deps.store.limits.setPrice(price);
          return { before, after: price, result: price };
        },
      );
    },
  }),
  route({
    method: "delete",
    path: "/prices/*model",
    access: "admin",
    summary: "Remove a model's price (it becomes free and org-paid)",
    response: DeletedPriceDto,
    handle: (c) => {
      const model = c.params.model!;
      const before = c.deps.store.limits.price(model);
      if (!before) throw notFound("price");
      return mutate(
        c,
        { action: "price.delete", targetType: "price", targetId: model, memberId: null },
        () => {
          c.deps.store.limits.deletePrice(model);
          return { before, after: null, result: { model, deleted: true } };
        },
      );
    },
  }),
];
