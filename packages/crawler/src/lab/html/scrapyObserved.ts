// What real Scrapy printed for the lab's scenarios: lines quoted verbatim from the recorded runs
// of the Scrapy experiments (shared/reference/scrapy-experiments/, `RESULT …` lines and log
// lines), so the HTML lab can show deferkit's outcome beside Scrapy's observed one.
// test/lab/html.test.ts checks every line against its log when the reference is present.

/** One recorded Scrapy run's lines for a scenario. */
export interface ObservedRun {
  /** Which Scrapy and reactor, e.g. 'Scrapy 2.18, asyncio reactor'. */
  readonly run: string;
  /** The log, relative to scrapy-experiments/. */
  readonly log: string;
  /** Lines of that log, verbatim. */
  readonly lines: readonly string[];
}

const ASYNCIO_218 = 'Scrapy 2.18, asyncio reactor (the default)';
const EPOLL_218 = 'Scrapy 2.18, EPollReactor (non-asyncio)';

/** Scenario id → the recorded runs that show it. Scenarios with no experiment have no entry. */
export const SCRAPY_OBSERVED: Readonly<Record<string, readonly ObservedRun[]>> = {
  'pipeline-await-deferred': [
    { run: ASYNCIO_218, log: 'outputs-2.18/f_pipeline.default.log', lines: ['RESULT f.AsyncPipeline await deferLater() directly: EXC builtins.RuntimeError: Task got bad yield: <Deferred at 0x7fa3913f3e50>'] },
    { run: EPOLL_218, log: 'outputs-2.18/f_pipeline.epoll.log', lines: ['RESULT f.AsyncPipeline await deferLater() directly: OK value=x'] },
  ],
  'pipeline-returns-deferred': [
    { run: ASYNCIO_218, log: 'outputs-2.18/f_pipeline.default.log', lines: ["RESULT f.item_scraped: {'n': 2, 'pipe_start': 0.27, 'pipe_end': 0.571, 'deferred_pipeline': 'fired'}"] },
    { run: EPOLL_218, log: 'outputs-2.18/f_pipeline.epoll.log', lines: ["RESULT f.item_scraped: {'n': 2, 'pipe_start': 0.279, 'pipe_end': 0.579, 'deferred_pipeline': 'fired'}"] },
  ],
  'inline-request': [
    { run: ASYNCIO_218, log: 'outputs-2.18/c_convert.default.log', lines: ['RESULT c.await maybe_deferred_to_future(engine.download()): OK status=200'] },
    { run: EPOLL_218, log: 'outputs-2.18/c_convert.epoll.log', lines: ['RESULT c.await maybe_deferred_to_future(engine.download()): OK status=200'] },
  ],
  'inline-request-async': [
    { run: ASYNCIO_218, log: 'outputs-2.18/a_await_deferred.default.log', lines: ['RESULT a.await engine.download_async(): OK status=200'] },
    { run: EPOLL_218, log: 'outputs-2.18/a_await_deferred.epoll.log', lines: ['RESULT a.await engine.download_async(): OK status=200'] },
  ],
  'parallel-requests': [
    { run: ASYNCIO_218, log: 'outputs-2.18/g_deferredlist.default.log', lines: ['RESULT g.await maybe_deferred_to_future(DeferredList(3 x engine.download)): OK [(True, 200), (True, 200), (True, 200)] elapsed=0.51s'] },
    { run: EPOLL_218, log: 'outputs-2.18/g_deferredlist.epoll.log', lines: ['RESULT g.await maybe_deferred_to_future(DeferredList(3 x engine.download)): OK [(True, 200), (True, 200), (True, 200)] elapsed=0.51s'] },
  ],
  'await-deferredlist': [
    { run: ASYNCIO_218, log: 'outputs-2.18/g_deferredlist.default.log', lines: ['RESULT g.await DeferredList(...) directly: EXC builtins.RuntimeError: Task got bad yield: <DeferredList at 0x7f2dadbcfed0>'] },
    { run: EPOLL_218, log: 'outputs-2.18/g_deferredlist.epoll.log', lines: ['RESULT g.await DeferredList(...) directly: OK [(True, 200), (True, 200), (True, 200)] elapsed=0.51s'] },
  ],
  'await-pending-deferred': [
    { run: ASYNCIO_218, log: 'outputs-2.18/a_await_deferred.default.log', lines: ['RESULT a.await engine.download() Deferred directly: EXC builtins.RuntimeError: Task got bad yield: <Deferred at 0x7f8228b8ce10>'] },
    { run: EPOLL_218, log: 'outputs-2.18/a_await_deferred.epoll.log', lines: ['RESULT a.await engine.download() Deferred directly: OK status=200 url=http://127.0.0.1:8765/page/2'] },
  ],
  'await-fired-deferred': [
    { run: ASYNCIO_218, log: 'outputs-2.18/a_await_deferred.default.log', lines: ['RESULT a.await defer.succeed(42) (already fired): OK value=42'] },
    { run: EPOLL_218, log: 'outputs-2.18/a_await_deferred.epoll.log', lines: ['RESULT a.await defer.succeed(42) (already fired): OK value=42'] },
  ],
  'deferred-to-future': [
    { run: ASYNCIO_218, log: 'outputs-2.18/c_convert.default.log', lines: ['RESULT c.await deferred_to_future(engine.download()): OK status=200'] },
    { run: EPOLL_218, log: 'outputs-2.18/c_convert.epoll.log', lines: ['RESULT c.deferred_to_future(Deferred) call: EXC builtins.RuntimeError: deferred_to_future() requires an installed asyncio reactor or a running asyncio event loop.'] },
  ],
  'maybe-deferred-to-future': [
    { run: ASYNCIO_218, log: 'outputs-2.18/c_convert.default.log', lines: ['RESULT c.type(maybe_deferred_to_future(Deferred)): _asyncio.Future', 'RESULT c.await maybe_deferred_to_future(engine.download()): OK status=200'] },
    { run: EPOLL_218, log: 'outputs-2.18/c_convert.epoll.log', lines: ['RESULT c.type(maybe_deferred_to_future(Deferred)): twisted.internet.defer.Deferred', 'RESULT c.await maybe_deferred_to_future(engine.download()): OK status=200'] },
  ],
  sleep: [
    { run: ASYNCIO_218, log: 'outputs-2.18/b_await_asyncio.default.log', lines: ['RESULT b.await asyncio.sleep(0.05): OK'] },
    { run: EPOLL_218, log: 'outputs-2.18/b_await_asyncio.epoll.log', lines: ['RESULT b.await asyncio.sleep(0.05): EXC builtins.RuntimeError: no running event loop'] },
  ],
  'pending-future': [
    { run: ASYNCIO_218, log: 'outputs-2.18/b_await_asyncio.default.log', lines: ['RESULT b.await loop.create_future() resolved via call_later: OK value=fut-value'] },
    { run: 'Scrapy 2.18, asyncio reactor on ASYNCIO_EVENT_LOOP=asyncio.SelectorEventLoop', log: 'outputs-2.18/b2_custom_loop.default.log', lines: ['RESULT b.await loop.create_future() resolved via call_later: OK value=fut-value'] },
    { run: EPOLL_218, log: 'outputs-2.18/b_await_asyncio.epoll.log', lines: ['RESULT b.asyncio.get_running_loop(): EXC builtins.RuntimeError: no running event loop', "RESULT b.await loop.create_future() resolved via call_later: EXC builtins.RuntimeError: await wasn't used with future"] },
  ],
  'asyncgen-sync-middleware': [
    {
      run: 'Scrapy 2.15.2, asyncio reactor',
      log: 'outputs-2.15.2/d1_asynccb_syncmw.default.log',
      lines: ['RESULT d.spider_error: ValueError: boom after 2 items (async gen)'],
    },
    {
      run: EPOLL_218,
      log: 'outputs-2.18/d1_asynccb_syncmw.epoll.log',
      lines: ["TypeError: Middleware exp_d_syncmw.SyncOnlyMW doesn't support asynchronous spider output. Its process_spider_output() method should be an async generator function or it should additionally define a process_spider_output_async() method."],
    },
  ],
  'asyncgen-async-middleware': [
    { run: ASYNCIO_218, log: 'outputs-2.18/d2_asynccb_asyncmw.default.log', lines: ["RESULT d.AsyncOnlyMW saw: {'n': 1}", "RESULT d.AsyncOnlyMW saw: {'n': 2}", 'RESULT d.spider_error: ValueError: boom after 2 items (async gen)'] },
    { run: EPOLL_218, log: 'outputs-2.18/d2_asynccb_asyncmw.epoll.log', lines: ["RESULT d.item_scraped: {'n': 1}", "RESULT d.item_scraped: {'n': 2}", 'RESULT d.spider_error: ValueError: boom after 2 items (async gen)'] },
  ],
  'universal-middleware': [
    { run: 'Scrapy 2.15.2, asyncio reactor, sync callback', log: 'outputs-2.15.2/e1_universal_synccb.default.log', lines: ['RESULT e.UniversalMW.process_spider_output (sync) called with: generator'] },
    { run: 'Scrapy 2.15.2, asyncio reactor, async callback', log: 'outputs-2.15.2/e2_universal_asynccb.default.log', lines: ['RESULT e.UniversalMW.process_spider_output_async called with: async_generator'] },
  ],
  'reactor-mismatch': [
    {
      run: 'Scrapy 2.8, EPollReactor installed, asyncio reactor requested',
      log: 'outputs/h_reactor_mismatch.asyncio.log',
      lines: ['Exception: The installed reactor (twisted.internet.epollreactor.EPollReactor) does not match the requested one (twisted.internet.asyncioreactor.AsyncioSelectorReactor)'],
    },
  ],
};
