// The core process's side of the protocol (src/shared/protocol.ts): says hello, builds the app's
// core from the host's `init` (AppService on the engine, the settings relayed from the host),
// answers requests through the same argument checks the page's commands always had, pushes
// events, and asks the host for what only it can do through port calls.

import path from 'node:path'
import { AppService } from '../app-service'
import { createEngine } from '../../engine'
import { COMMAND_CHANNELS, type CommandName, type Result } from '../../shared/api'
import { UpshotError } from '../../shared/jobs'
import {
  FrameError,
  PROTOCOL_VERSION,
  type CoreInit,
  type CoreMessage,
  type HostMessage,
} from '../../shared/protocol'
import { runCommand } from '../ipc-dispatch'
import { Settings, type SecretBox, type SettingsStorage } from '../settings-model'
import type { IncomingFiles } from '../incoming'
import { settleCrash } from './crash-suspects'
import { isHostCommand, runHostCommand } from './host-commands'
import { relayedSecretBox, relayedStorage } from './relayed-settings'
import { PortCaller, remotePorts } from './remote-ports'

export interface CoreChannel {
  /** Throws a FrameError for a message too large for one frame. */
  send(message: CoreMessage): void
  /** Ends the channel once what was sent is written, then calls `done`. */
  end(done: () => void): void
}

export interface CoreServerOptions {
  version: string
  channel: CoreChannel
  /** Ends the process (process.exit in the real core). */
  exit(code: number): void
  /**
   * A host in the same process (`upshot ui`) keeps the settings file and the keys itself: the
   * core reads and writes them directly instead of relaying them over the channel.
   */
  localSettings?: { storage: SettingsStorage; box: SecretBox }
  /** Where files a browser sends are staged (the host writes them, the core adds them). */
  incoming?: IncomingFiles
}

const isPageCommand = (name: string): name is CommandName => Object.hasOwn(COMMAND_CHANNELS, name)

export class CoreServer {
  private service: AppService | null = null
  private state: 'waiting' | 'starting' | 'running' | 'stopping' = 'waiting'
  private readonly ports: PortCaller

  constructor(private readonly o: CoreServerOptions) {
    this.ports = new PortCaller((m) => this.o.channel.send(m))
  }

  receive(message: HostMessage): void {
    switch (message.t) {
      case 'init':
        if (this.state !== 'waiting') return
        if (message.protocol !== PROTOCOL_VERSION) {
          this.fatal(
            'PROTOCOL',
            `The window speaks protocol ${message.protocol}, this core ${PROTOCOL_VERSION}; reinstall Upshot.`,
          )
          return
        }
        this.start(message.init)
        return
      case 'request':
        void this.answer(message.id, message.cmd, message.args)
        return
      case 'port-reply':
        this.ports.settle(
          message.id,
          message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error },
        )
        return
      case 'shutdown':
        void this.stop(0)
    }
  }

  /** The host went away (its end of the channel closed): finish cleanly, nobody is listening. */
  hostGone(): void {
    this.ports.close()
    void this.stop(0)
  }

  private start(init: CoreInit): void {
    this.state = 'starting'
    try {
      const local = this.o.localSettings
      const settings = new Settings(
        local?.storage ??
          relayedStorage(init.settings, (doc) => {
            this.ports.call('saveSettings', [doc]).catch((err: unknown) => {
              console.error('[core] the settings could not be saved:', messageOf(err))
            })
          }),
        local?.box ?? relayedSecretBox(init.settings.canStoreSecrets),
        path.join(init.dataDir, 'uploads'),
      )
      const ports = remotePorts(this.ports)
      const service = new AppService({
        dataDir: init.dataDir,
        version: init.version,
        settings,
        ports,
        makeEngine: (hooks) => createEngine({ dataDir: init.dataDir, ...hooks }),
        emit: (event, payload) => this.o.channel.send({ t: 'event', event, payload }),
        ...(init.face ? { face: init.face } : {}),
        ...(this.o.incoming ? { incoming: this.o.incoming } : {}),
      })
      this.service = service
      const ready = settleCrash(service.ledgerEngine.ledger, init.dataDir, init.crash)
      if (init.paused) service.controls.pauseAll()
      service.start([...init.showJobs, ...ready.failed])
      ports.preferencesChanged(settings.preferences)
      this.state = 'running'
      this.o.channel.send({ t: 'ready', ...ready })
    } catch (err) {
      console.error('[core] cannot start:', err instanceof Error ? err.stack : err)
      this.fatal(
        err instanceof UpshotError ? err.code : 'INTERNAL',
        err instanceof UpshotError ? err.message : `Upshot's core cannot start: ${messageOf(err)}`,
      )
    }
  }

  private async answer(id: number, cmd: string, args: unknown[]): Promise<void> {
    let result: Result<unknown>
    const service = this.service
    if (!service || this.state !== 'running') {
      result = failure('INTERNAL', 'Upshot is not ready yet; try again in a moment.')
    } else if (isPageCommand(cmd)) {
      result = await runCommand(cmd, service.handlers(), args)
    } else if (isHostCommand(cmd)) {
      result = await runHostCommand(service, cmd, args)
    } else {
      result = failure(
        'BAD_REQUEST',
        `There is no command named ${JSON.stringify(cmd.slice(0, 60))}.`,
      )
    }
    // A command that finished while the core was stopping still answers (the host may wait).
    try {
      this.o.channel.send({ t: 'response', id, result })
    } catch (err) {
      if (!(err instanceof FrameError)) throw err
      this.o.channel.send({
        t: 'response',
        id,
        result: failure(
          'INTERNAL',
          'The answer is too large to send; ask for fewer items at once.',
        ),
      })
    }
  }

  private fatal(code: UpshotError['code'] | 'PROTOCOL', message: string): void {
    this.o.channel.send({ t: 'fatal', code, message })
    void this.stop(1)
  }

  private async stop(code: number): Promise<void> {
    if (this.state === 'stopping') return
    this.state = 'stopping'
    try {
      // Claims go back to the ledger: the next core (or `upshot resume`) continues them.
      await this.service?.close()
    } catch (err) {
      console.error('[core] closing:', messageOf(err))
    }
    this.o.channel.end(() => this.o.exit(code))
  }
}

function failure(code: 'BAD_REQUEST' | 'INTERNAL', message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
