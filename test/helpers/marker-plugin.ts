/** A plugin for the ack: immediate tests: what ran is read from the disk, not from the bridge's account. */

/** A plugin writing `<markers>/<delivery>-<attempt>` (its pid and start time) each time it runs, then answering `status`. */
export function markerPlugin(markers: string, opts: { ack?: string; status?: number; sleepS?: number; failWhile?: string } = {}): string {
  return `import os, time
from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
${opts.ack ? `    ack = ${JSON.stringify(opts.ack)}\n` : ''}
    def post(self, request):
        name = "%s-%s" % (request.headers.get("X-Webhook-Bridge-Delivery", "sync"), request.headers.get("X-Webhook-Bridge-Attempt", "0"))
        with open(os.path.join(${JSON.stringify(markers)}, name), "w") as f:
            f.write("%d %f" % (os.getpid(), time.time()))
        ${opts.failWhile ? `if os.path.exists(${JSON.stringify(opts.failWhile)}):\n            return 500, {"failed": name}\n        ` : ''}${opts.sleepS ? `time.sleep(${opts.sleepS})\n        with open(os.path.join(${JSON.stringify(markers)}, name + ".finished"), "w") as f:\n            f.write("ok")\n        ` : ''}return ${opts.status ?? 200}, {"ran": name}
`;
}
