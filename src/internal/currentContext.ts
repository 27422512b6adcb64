import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import { globalContext, type ProcessContext } from "./context.ts"

/** Set inside fiber-backend children, whose isolate is the parent's. */
export const CurrentContext: FiberRef.FiberRef<ProcessContext | undefined> = globalValue(
  Symbol.for("effect-multiprocessing/CurrentContext"),
  () => FiberRef.unsafeMake<ProcessContext | undefined>(undefined)
)

/** This fiber's process: a fiber-backend child's own context, or the isolate's. */
export const currentContext: Effect.Effect<ProcessContext> = Effect.map(
  FiberRef.get(CurrentContext),
  (context) => context ?? globalContext()
)
