/**
 * A TCP echo server on 127.0.0.1 whose connections are served by a pool of 4 workers. Six clients
 * connect: four are served at once, and the last two wait until a client hangs up and frees a worker.
 *
 *   npx tsx examples/pool-echo-server.ts   npx deno run -A examples/pool-echo-server.ts   npx bun examples/pool-echo-server.ts
 *
 * A socket cannot be sent to a worker (a thread or an OS process), so this program owns the sockets and
 * the pool serves the *sessions*: for each connection it submits one `session` task (`applyAsync`)
 * with two Queues, lines in and lines out, and moves the lines between the socket and the queues. A
 * session holds its worker until its client hangs up; with four workers, the fifth session waits in the
 * pool's queue for a free worker (its client's lines wait meanwhile in its Queue), and gets the worker
 * of the first client that leaves.
 *
 * The clients are in this program too, driven one step at a time so that the output is always the
 * same. The workers are threads; `EFFECT_MP_BACKEND=process` (or `fiber`) makes them OS processes (or
 * fibers).
 */
import * as Net from "node:net"
import { Effect, FiberSet, Mailbox, Option, Stream } from "effect"
import { Pool, Queue, Task } from "../src/index.ts"
import { poolBackend } from "./tasks/pool-common.ts"
import { tasks } from "./tasks/pool-echo.ts"

type Session = Pool.AsyncResult<
  Task.Success<typeof tasks.session>,
  Pool.Failure<Task.Failure<typeof tasks.session>>
>

const lines = (socket: Net.Socket): Stream.Stream<string, Error> =>
  Stream.fromAsyncIterable(socket as AsyncIterable<Uint8Array>, (error) => error as Error).pipe(
    Stream.decodeText(),
    Stream.splitLines
  )

/**
 * One connection: its session goes to the pool (given to `sessions` once submitted); the client's lines
 * go to the session's inbox, its hanging up as `null`, and the session's replies go back to the client.
 */
const serveConnection = (pool: Pool.Pool, n: number, socket: Net.Socket, sessions: Mailbox.Mailbox<Session>) =>
  Effect.gen(function*() {
    const inbox = yield* Queue.make<string | null>()
    const outbox = yield* Queue.make<string | null>()
    const session = yield* Pool.applyAsync(pool, tasks.session, [inbox, outbox])
    console.log(`server: connection ${n} accepted, its session submitted to the pool`)
    yield* sessions.offer(session)
    yield* lines(socket).pipe(
      Stream.runForEach((line) => Queue.put(inbox, line)),
      Effect.andThen(Queue.put(inbox, null)),
      Effect.forkScoped
    )
    for (;;) {
      const reply = yield* Queue.get(outbox)
      if (reply === null) break
      socket.write(`${reply}\n`)
    }
    socket.end()
  }).pipe(Effect.scoped, Effect.catchAllCause(Effect.logError))

/** The echo server, on a port of the system's choice; closed with the scope. */
const serve = (pool: Pool.Pool) =>
  Effect.gen(function*() {
    const sessions = yield* Mailbox.make<Session>()
    const run = yield* FiberSet.makeRuntime<never>()
    let connections = 0
    const server = yield* Effect.acquireRelease(
      Effect.async<Net.Server>((resume) => {
        const server = Net.createServer((socket) => run(serveConnection(pool, ++connections, socket, sessions)))
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
    )
    return { port: (server.address() as Net.AddressInfo).port, sessions }
  })

interface Client {
  readonly n: number
  readonly socket: Net.Socket
  readonly replies: Mailbox.ReadonlyMailbox<string, Error>
}

/** Connects client `n`, which sends its two lines at once (they wait for its session if need be). */
const connect = (port: number, n: number) =>
  Effect.gen(function*() {
    const socket = yield* Effect.acquireRelease(
      Effect.async<Net.Socket, Error>((resume) => {
        const socket = Net.connect(port, "127.0.0.1")
        socket.once("connect", () => resume(Effect.succeed(socket)))
        socket.once("error", (error) => resume(Effect.fail(error)))
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    const replies = yield* Mailbox.fromStream(lines(socket))
    socket.write(`hello from client ${n}\nbye from client ${n}\n`)
    const client: Client = { n, socket, replies }
    return client
  })

/** Prints the client's next line. */
const hear = (client: Client) =>
  Effect.flatMap(client.replies.take, (line) => Effect.sync(() => console.log(`client ${client.n}: ${line}`)))

/** Hears its two echoes, then hangs up. */
const leave = (client: Client) =>
  Effect.gen(function*() {
    yield* hear(client)
    yield* hear(client)
    client.socket.end()
    console.log(`client ${client.n}: hangs up`)
  })

if (Task.isMain(import.meta)) {
  const program = Effect.gen(function*() {
    const pool = yield* Pool.make({ processes: 4, backend: yield* poolBackend })
    const server = yield* serve(pool)
    const workers = `${pool.processes} ${pool.backend} workers`
    console.log(`MainProcess: echo server on 127.0.0.1:${server.port}, a pool of ${workers}`)

    // One client after the other, each once the server has accepted it: their sessions queue in order.
    const clients: Array<Client> = []
    const sessions: Array<Session> = []
    for (let n = 1; n <= 6; n++) {
      clients.push(yield* connect(server.port, n))
      sessions.push(yield* server.sessions.take)
      console.log(`client ${n}: connected, sent 2 lines`)
    }
    const [first, second, third, fourth, fifth, sixth] = clients as [Client, Client, Client, Client, Client, Client]

    // Four workers: the first four clients are welcomed; nobody has left, so the other two wait.
    for (const client of [first, second, third, fourth]) yield* hear(client)
    for (const client of [fifth, sixth]) {
      if (Option.getOrElse(yield* client.replies.size, () => 0) === 0) {
        console.log(`MainProcess: client ${client.n} waits for a free worker`)
      }
    }

    // Each client that leaves frees its worker for the next session waiting in the pool.
    yield* leave(first)
    yield* hear(fifth)
    yield* leave(second)
    yield* hear(sixth)
    for (const client of [third, fourth, fifth, sixth]) yield* leave(client)

    const echoed = yield* Effect.forEach(sessions, (session) => Pool.get(session))
    console.log(`MainProcess: the sessions echoed ${echoed.join(", ")} lines`)
  })
  await Effect.runPromise(Effect.scoped(program))
}
