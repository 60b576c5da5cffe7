import type { RequestHandler } from "express";
import { invalidRequest } from "../gateway/errors.js";

/**
 * JSON bodies nested deeper than this are refused with 400. Default 128: real requests nest a
 * few levels, tool schemas a few dozen. Parsing handles any depth, but what is done with a body
 * afterwards recurses (serialising a tool's schema or a tool call's input, forwarding the body to
 * an upstream): at some thousands of levels that overflowed the stack, a 500.
 */
export const MAX_BODY_DEPTH = 128;

/** Whether `value` nests objects or arrays more than `max` levels deep (iterative, linear). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!node || typeof node !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(node))
      if (child && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses a parsed body nested beyond `MAX_BODY_DEPTH`, before any route reads it. */
export const refuseDeepBodies: RequestHandler = (req, _res, next) => {
  if (!nestedDeeperThan(req.body, MAX_BODY_DEPTH)) return next();
  next(
    invalidRequest(
      `The JSON body is nested more than ${MAX_BODY_DEPTH} levels deep.`,
      null,
      "nested_too_deeply",
    ),
  );
};
