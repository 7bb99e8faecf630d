#!/usr/bin/env python3
"""Checks the Kubernetes manifests in deploy/kubernetes/ (registered with ctest).

    check_kubernetes.py PARLEY_BINARY [--manifests=DIR]

Every YAML document must parse and be a Kubernetes object; the parley Deployment, its ConfigMap,
Secret, PodDisruptionBudget, Services and Redis must fit together (probes on the admin port of
admin.listen, a preStop hook, a termination grace period that covers the preStop sleep,
agent.drain-timeout and parley's own forced stop, secret references that the Secret has,
selectors that match the pods, ...); and the INI the ConfigMap carries must load in parley:
`parley --config-file=INI --dump-config`, run with the Deployment's arguments and environment
(secrets as dummy values), must exit 0 without printing a secret.

Prints each problem found and exits 1 if there is one; 0 otherwise.
"""

import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("check_kubernetes: PyYAML is missing (Debian's python3-yaml: scripts/install-deps.sh)")

# docs/operations.md, Shutdown: a drain that ends in parley's forced stop exits by
# agent.drain-timeout + 60 s (the wrap-up) + 25 s (the sessions' stops); the grace period must
# cover that, with room to spare.
FORCED_STOP_MARGIN = 90
# Defaults of the options read here (parley --help).
DEFAULTS = {"agent.drain-timeout": "30", "admin.listen": "127.0.0.1:9090", "webhook.listen": "0.0.0.0:8080",
            "events.mode": "websocket", "agent.drain-action": "hangup", "cluster.mode": "single"}
# Kubernetes' default when terminationGracePeriodSeconds is not set.
DEFAULT_GRACE = 30
# The secrets the Deployment must take from the Secret, by the environment names parley reads.
SECRET_ENV = ["VOIPBIN_ACCESSKEY", "LLM_API_KEY", "VOIPBIN_WEBHOOK_SECRET", "REDIS_PASSWORD"]
# Secret options, besides those `parley --help` shows with their own variable: cluster.* is
# being added to parley (issue 11), and its password is one.
KNOWN_SECRET_OPTIONS = {"voipbin.accesskey", "webhook.secret", "llm.api-key", "llm.fallback.api-key",
                        "cluster.redis-password"}
# Secrets parley may read that the Deployment need not give.
OPTIONAL_SECRET_ENV = {"LLM_FALLBACK_API_KEY"}
NODE_ID_ENV = "PARLEY_CLUSTER_NODE_ID"
ANY_ADDRESS = {"0.0.0.0", "::", "[::]"}


class Checker:
    def __init__(self):
        self.problems = []
        self.passed = 0

    def check(self, ok, what):
        """Counts a check; records `what` (said as the problem) when it does not hold."""
        if ok:
            self.passed += 1
        else:
            self.problems.append(what)
        return ok


# ---------------------------------------------------------------- reading the manifests


def load_manifests(directory, c):
    """Every Kubernetes object in the directory's YAML files, each as (file, object)."""
    objects = []
    names = sorted(n for n in os.listdir(directory) if n.endswith((".yaml", ".yml", ".json")))
    c.check(names, f"{directory}: no .yaml file")
    for name in names:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as f:
                documents = list(yaml.safe_load_all(f))
        except yaml.YAMLError as e:
            c.check(False, f"{name}: not valid YAML: {e}")
            continue
        c.passed += 1
        for i, doc in enumerate(documents):
            if doc is None:
                continue
            where = f"{name} (document {i + 1})"
            # `kubectl apply -f deploy/kubernetes/` sends every document in the folder: each must be
            # an object the API server knows (a kustomization.yaml here would break the command).
            if not c.check(isinstance(doc, dict) and doc.get("apiVersion") and doc.get("kind")
                           and isinstance(doc.get("metadata"), dict) and doc["metadata"].get("name"),
                           f"{where}: not a Kubernetes object (apiVersion, kind and metadata.name)"):
                continue
            c.check("namespace" not in doc["metadata"],
                    f"{where}: sets metadata.namespace; the manifests go to the namespace kubectl is given")
            objects.append((name, doc))
    seen = set()
    for name, o in objects:
        key = (o["kind"], o["metadata"]["name"])
        c.check(key not in seen, f"{name}: a second {key[0]} named {key[1]}")
        seen.add(key)
    return objects


def of_kind(objects, kind):
    return [o for _, o in objects if o["kind"] == kind]


def named(objects, kind, name):
    return next((o for o in of_kind(objects, kind) if o["metadata"]["name"] == name), None)


def selector_matches(selector, labels):
    """A label selector (matchLabels and matchExpressions) against a pod's labels."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def pod_template(workload):
    return ((workload.get("spec") or {}).get("template")) or {}


def pod_labels(workload):
    return (pod_template(workload).get("metadata") or {}).get("labels") or {}


def pod_spec(workload):
    return pod_template(workload).get("spec") or {}


def containers(workload):
    spec = pod_spec(workload)
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def container_port(container, port):
    """A probe's or Service's port (a number or a name) as the container's port number, or None."""
    for p in container.get("ports") or []:
        if port == p.get("name") or port == p.get("containerPort"):
            return p.get("containerPort")
    return port if isinstance(port, int) else None


def declares_port(container, port):
    """Whether the container declares the port (by name, or by number)."""
    return any(port in (p.get("name"), p.get("containerPort")) for p in container.get("ports") or [])


def secret_keys(secret):
    return set((secret.get("stringData") or {}).keys()) | set((secret.get("data") or {}).keys())


# ---------------------------------------------------------------- parley's INI


def read_ini(text):
    """The INI's options as {"group.key": value}: quotes removed, lists kept as text. Lenient: parley
    itself is the judge of the file (--dump-config below); this is for reading a few values."""
    options, group = {}, ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("["):
            group = line[1:line.find("]")].strip()
            continue
        if "=" not in line or not group:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        if value[:1] in ('"', "'"):
            end = value.find(value[0], 1)
            value = value[1:end] if end > 0 else value[1:]
        else:
            value = re.split(r"\s[;#]", value)[0].strip()
        options[f"{group}.{key}"] = value
    return options


def option_env_name(option):
    return "PARLEY_" + re.sub(r"[.-]", "_", option).upper()


def effective(option, ini, env, args):
    """An option as parley would see it: default, then the INI, the environment, the command line."""
    value = DEFAULTS.get(option)
    value = ini.get(option, value)
    if option_env_name(option) in env:
        value = env[option_env_name(option)].strip().strip('"')
    for a in args:
        if a.startswith(f"--{option}="):
            value = a.split("=", 1)[1].strip('"')
    return value


def host_port(text):
    m = re.fullmatch(r"(\[[^\]]*\]|[^:]*):(\d+)", text or "")
    return (m.group(1), int(m.group(2))) if m else (None, None)


def help_options(parley):
    out = subprocess.run([parley, "--help"], capture_output=True, text=True, timeout=30).stdout
    return re.findall(r"--([a-z0-9.-]+)=<", out)


def secret_options(parley):
    """parley's secret options ({option: environment variable}) from --help: they are the ones
    read from a variable of their own, "(or VOIPBIN_ACCESSKEY)"."""
    out = subprocess.run([parley, "--help"], capture_output=True, text=True, timeout=30).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"--([a-z0-9.-]+)=<[^>]*>.*\(or ([A-Z0-9_]+)\)", out)}


# ---------------------------------------------------------------- the checks


def check_parley(objects, parley, c):
    deployments = [d for d in of_kind(objects, "Deployment")
                   if any(os.path.basename((k.get("command") or [""])[0]) == "parley" for k in containers(d))]
    if not c.check(len(deployments) == 1, "expected one Deployment whose container's command is parley, "
                   f"found {len(deployments)}"):
        return
    d = deployments[0]
    name = f"Deployment {d['metadata']['name']}"
    spec = d.get("spec") or {}
    pod = pod_spec(d)
    labels = pod_labels(d)
    k = next(k for k in containers(d) if os.path.basename((k.get("command") or [""])[0]) == "parley")
    args = (k.get("command") or [])[1:] + (k.get("args") or [])

    c.check(isinstance(spec.get("replicas"), int) and spec["replicas"] >= 2,
            f"{name}: replicas must be at least 2 (is {spec.get('replicas')})")
    c.check(selector_matches(spec.get("selector"), labels), f"{name}: its selector does not match its pod labels")
    strategy = spec.get("strategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    c.check(strategy.get("type") == "RollingUpdate" and rolling.get("maxUnavailable") in (0, "0", "0%")
            and rolling.get("maxSurge") not in (None, 0, "0", "0%"),
            f"{name}: the strategy must be RollingUpdate with maxUnavailable 0 and a maxSurge (is {strategy})")

    def spreads(term_selector, key):
        return key == "kubernetes.io/hostname" and selector_matches(term_selector, labels)
    spread = any(spreads(t.get("labelSelector"), t.get("topologyKey"))
                 for t in pod.get("topologySpreadConstraints") or [])
    anti = (pod.get("affinity") or {}).get("podAntiAffinity") or {}
    spread = spread or any(spreads(t.get("labelSelector"), t.get("topologyKey"))
                           for t in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    spread = spread or any(spreads((t.get("podAffinityTerm") or {}).get("labelSelector"),
                                   (t.get("podAffinityTerm") or {}).get("topologyKey"))
                           for t in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or [])
    c.check(spread, f"{name}: no topologySpreadConstraints or podAntiAffinity over kubernetes.io/hostname "
            "selecting its own pods")
    c.check(pod.get("enableServiceLinks") is False,
            f"{name}: enableServiceLinks must be false (a Service named like parley-admin would set "
            "PARLEY_ADMIN_SERVICE_HOST, which parley refuses)")

    # Security and resources.
    pod_sc, sc = pod.get("securityContext") or {}, k.get("securityContext") or {}
    c.check(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{name}: runAsNonRoot must be true")
    c.check(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem must be true")
    c.check(sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation must be false")
    res = k.get("resources") or {}
    for part, key in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory")):
        c.check((res.get(part) or {}).get(key), f"{name}: resources.{part}.{key} is not set")

    # Environment: secrets from the Secret, the node id from the pod's name.
    env = {e.get("name"): e for e in k.get("env") or []}
    for var in SECRET_ENV:
        ref = ((env.get(var) or {}).get("valueFrom") or {}).get("secretKeyRef")
        c.check(ref, f"{name}: {var} must come from a Secret (env valueFrom.secretKeyRef)")
    node = ((env.get(NODE_ID_ENV) or {}).get("valueFrom") or {}).get("fieldRef") or {}
    c.check(node.get("fieldPath") == "metadata.name", f"{name}: {NODE_ID_ENV} must be the pod's name "
            "(valueFrom.fieldRef.fieldPath: metadata.name)")

    # The INI: --config-file=PATH, PATH where the ConfigMap's key is mounted.
    files = [a.split("=", 1)[1] for a in args if a.startswith("--config-file=")]
    if not c.check(len(files) == 1, f"{name}: parley's arguments must have one --config-file=FILE (are {args})"):
        return
    ini_text, cm_key = None, None
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    for m in k.get("volumeMounts") or []:
        cm = (volumes.get(m.get("name")) or {}).get("configMap")
        if not cm:
            continue
        items = cm.get("items") or []
        if m.get("subPath"):
            paths = {m["mountPath"]: i.get("key") for i in items if i.get("path") == m["subPath"]}
            paths = paths or {m["mountPath"]: m["subPath"]}
        else:
            paths = {os.path.join(m["mountPath"], i.get("path")): i.get("key") for i in items}
            if not items:
                config = named(objects, "ConfigMap", cm.get("name")) or {}
                paths = {os.path.join(m["mountPath"], key): key for key in (config.get("data") or {})}
        if files[0] in paths:
            config = named(objects, "ConfigMap", cm.get("name"))
            cm_key = f"ConfigMap {cm.get('name')} key {paths[files[0]]}"
            ini_text = ((config or {}).get("data") or {}).get(paths[files[0]])
    if not c.check(ini_text, f"{name}: {files[0]} is not a key of a ConfigMap in the manifests mounted there"):
        return
    ini = read_ini(ini_text)
    plain_env = {n: e.get("value", "") for n, e in env.items() if "valueFrom" not in e}

    # Secrets stay out of the INI.
    secrets = secret_options(parley)
    c.check(secrets, "parley --help lists no secret option (its format changed?)")
    for option in sorted(KNOWN_SECRET_OPTIONS | set(secrets)):
        c.check(option not in ini, f"{cm_key}: sets the secret {option}; give it through the Secret")
    for option, var in secrets.items():
        c.check(var in env or var in OPTIONAL_SECRET_ENV,
                f"{name}: parley reads {option} from {var}, which the Deployment does not set")
    clustered = any(o.startswith("cluster.") for o in help_options(parley))
    for var in SECRET_ENV:
        c.check(var in secrets.values() or (var == "REDIS_PASSWORD" and not clustered),
                f"{name}: parley reads no secret from {var} (its secrets' variables: {sorted(secrets.values())})")
    for var in env:
        c.check(var not in SECRET_ENV or "valueFrom" in env[var], f"{name}: {var} is a secret given as a value")

    # Cluster mode, the drain, and the ports.
    c.check(effective("cluster.mode", ini, plain_env, args) == "redis", f"{cm_key}: cluster.mode must be redis")
    c.check(effective("agent.drain-action", ini, plain_env, args) == "release",
            f"{cm_key}: agent.drain-action must be release (a draining replica hands its calls to the others)")
    url = effective("cluster.redis-url", ini, plain_env, args) or ""
    m = re.fullmatch(r"redis://([^:/@]+)(?::(\d+))?(?:/(\d+))?", url)
    if c.check(m, f"{cm_key}: cluster.redis-url '{url}' is not redis://host:port/db (rediss:// is not supported)"):
        service = named(objects, "Service", m.group(1))
        port = int(m.group(2) or 6379)
        if service is not None:
            c.check(any(p.get("port") == port for p in (service.get("spec") or {}).get("ports") or []),
                    f"{cm_key}: cluster.redis-url's port {port} is not a port of Service {m.group(1)}")
        c.check(service is not None or "." in m.group(1),
                f"{cm_key}: cluster.redis-url names {m.group(1)}, not a Service in the manifests")

    admin_host, admin_port = host_port(effective("admin.listen", ini, plain_env, args))
    c.check(admin_host in ANY_ADDRESS, f"{cm_key}: admin.listen must listen on 0.0.0.0 for the kubelet's "
            f"probes (is {admin_host})")
    c.check(admin_port is not None and container_port(k, "admin") == admin_port,
            f"{name}: the container's port 'admin' ({container_port(k, 'admin')}) is not admin.listen's "
            f"port ({admin_port})")
    _, hook_port = host_port(effective("webhook.listen", ini, plain_env, args))
    c.check(container_port(k, "webhook") == hook_port,
            f"{name}: the container's port 'webhook' ({container_port(k, 'webhook')}) is not webhook.listen's "
            f"port ({hook_port})")

    # Probes on the admin port.
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = (k.get(probe) or {}).get("httpGet") or {}
        c.check(get.get("path") == path and container_port(k, get.get("port")) == admin_port,
                f"{name}: {probe} must be an httpGet of {path} on the admin port {admin_port} (is {get})")

    # preStop, then the drain, within the grace period.
    pre = (k.get("lifecycle") or {}).get("preStop") or {}
    pre_seconds = None
    if "sleep" in pre:
        pre_seconds = (pre.get("sleep") or {}).get("seconds")
    elif "exec" in pre:
        found = re.search(r"\bsleep\s+(\d+)\b", " ".join(str(x) for x in (pre["exec"] or {}).get("command") or []))
        pre_seconds = int(found.group(1)) if found else None
    elif "httpGet" in pre:
        pre_seconds = 0
    c.check(isinstance(pre_seconds, int) and pre_seconds > 0,
            f"{name}: needs a preStop hook that waits (sleep N) before SIGTERM (is {pre or 'none'})")
    try:
        drain = float(effective("agent.drain-timeout", ini, plain_env, args))
    except (TypeError, ValueError):
        drain = None
    grace = pod.get("terminationGracePeriodSeconds", DEFAULT_GRACE)
    if c.check(drain is not None, f"{cm_key}: agent.drain-timeout is not a number"):
        need = drain + (pre_seconds or 0) + FORCED_STOP_MARGIN
        c.check(isinstance(grace, int) and grace >= need,
                f"{name}: terminationGracePeriodSeconds {grace} < agent.drain-timeout {drain:g} + preStop "
                f"{pre_seconds or 0} + {FORCED_STOP_MARGIN} (parley's forced stop) = {need:g}")

    # PodDisruptionBudget.
    pdbs = [p for p in of_kind(objects, "PodDisruptionBudget")
            if selector_matches((p.get("spec") or {}).get("selector"), labels)]
    if c.check(pdbs, f"no PodDisruptionBudget selects the pods of {name}"):
        budget = pdbs[0].get("spec") or {}
        if "minAvailable" in budget:
            least = budget["minAvailable"]
            if isinstance(least, str) and least.endswith("%"):
                least = -(-int(least[:-1]) * spec.get("replicas", 1) // 100)  # rounded up, as Kubernetes does
            c.check(isinstance(least, int) and 1 <= least < spec.get("replicas", 1),
                    f"PodDisruptionBudget: minAvailable {budget['minAvailable']} must leave between 1 and "
                    "replicas - 1 pods (or node drains block)")
        else:
            c.check(budget.get("maxUnavailable") not in (None, 0, "0", "0%"),
                    "PodDisruptionBudget: needs minAvailable or a maxUnavailable above 0")

    # A Service for the webhook and the admin port.
    services = [s for s in of_kind(objects, "Service")
                if selector_matches({"matchLabels": (s.get("spec") or {}).get("selector")}, labels)]
    ports = {container_port(k, p.get("targetPort", p.get("port")))
             for s in services for p in (s.get("spec") or {}).get("ports") or []}
    c.check(container_port(k, "webhook") in ports, f"no Service sends to the webhook port of {name}")
    c.check(admin_port in ports, f"no Service exposes the admin port (/metrics) of {name}")
    for s in services:
        scrape = ((s.get("metadata") or {}).get("annotations") or {}).get("prometheus.io/port")
        c.check(scrape is None or str(scrape) == str(admin_port),
                f"Service {s['metadata']['name']}: prometheus.io/port {scrape} is not the admin port {admin_port}")

    # Redis: started with the password parley is given.
    password_ref = env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] if "REDIS_PASSWORD" in env else None
    redis = [(w, r) for w in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet")
             for r in containers(w) if "--requirepass" in (r.get("command") or []) + (r.get("args") or [])]
    if c.check(redis, "no Redis (a container started with --requirepass) in the manifests"):
        w, r = redis[0]
        words = (r.get("command") or []) + (r.get("args") or [])
        value = words[words.index("--requirepass") + 1] if words.index("--requirepass") + 1 < len(words) else ""
        var = re.fullmatch(r"\$\((\w+)\)", value)
        ref = ((({e.get("name"): e for e in r.get("env") or []}.get(var.group(1) if var else "") or {})
                .get("valueFrom") or {}).get("secretKeyRef"))
        c.check(ref and password_ref and ref.get("name") == password_ref.get("name")
                and ref.get("key") == password_ref.get("key"),
                f"Deployment {w['metadata']['name']}: --requirepass must be $(VAR) with VAR from the Secret key "
                f"parley's REDIS_PASSWORD comes from ({password_ref})")
        c.check(((w.get("spec") or {}).get("replicas", 1)) == 1,
                f"Deployment {w['metadata']['name']}: a single Redis (replicas 1): two would be two stores")

    check_dump_config(parley, k, args, files[0], ini_text, ini, plain_env, env, cm_key, c)


def check_references(objects, c):
    """Every Secret and ConfigMap reference of every workload, and every Service's selector."""
    secrets = {s["metadata"]["name"]: secret_keys(s) for s in of_kind(objects, "Secret")}
    configs = {m["metadata"]["name"]: set((m.get("data") or {}).keys()) for m in of_kind(objects, "ConfigMap")}
    workloads = of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet") + of_kind(objects, "DaemonSet")
    for w in workloads:
        name = f"{w['kind']} {w['metadata']['name']}"
        for k in containers(w):
            for e in k.get("env") or []:
                vf = e.get("valueFrom") or {}
                for kind, known in (("secretKeyRef", secrets), ("configMapKeyRef", configs)):
                    ref = vf.get(kind)
                    if ref and not ref.get("optional"):
                        c.check(ref.get("key") in known.get(ref.get("name"), ()),
                                f"{name}: env {e.get('name')} refers to {kind} {ref.get('name')}/{ref.get('key')}, "
                                "which the manifests do not have")
            for e in k.get("envFrom") or []:
                for kind, known in (("secretRef", secrets), ("configMapRef", configs)):
                    ref = e.get(kind)
                    if ref and not ref.get("optional"):
                        c.check(ref.get("name") in known, f"{name}: envFrom {kind} {ref.get('name')} does not exist")
        for v in pod_spec(w).get("volumes") or []:
            for kind, field, known in (("configMap", "name", configs), ("secret", "secretName", secrets)):
                ref = v.get(kind)
                if ref and not ref.get("optional"):
                    keys = known.get(ref.get(field))
                    c.check(keys is not None, f"{name}: volume {v.get('name')} names {kind} {ref.get(field)}, "
                            "which does not exist")
                    for item in ref.get("items") or []:
                        c.check(keys is not None and item.get("key") in keys,
                                f"{name}: volume {v.get('name')} wants key {item.get('key')} of {ref.get(field)}")
    for s in of_kind(objects, "Service"):
        name = f"Service {s['metadata']['name']}"
        selector = (s.get("spec") or {}).get("selector") or {}
        matched = [w for w in workloads if selector_matches({"matchLabels": selector}, pod_labels(w))]
        if not c.check(matched, f"{name}: its selector {selector} matches no pods in the manifests"):
            continue
        for p in (s.get("spec") or {}).get("ports") or []:
            target = p.get("targetPort", p.get("port"))
            c.check(all(any(declares_port(k, target) for k in containers(w)) for w in matched),
                    f"{name}: targetPort {target} is not a port of the pods it selects")


def check_dump_config(parley, container, args, config_path, ini_text, ini, plain_env, env, cm_key, c):
    """Runs parley --dump-config on the ConfigMap's INI with the Deployment's arguments and
    environment; secrets are dummy values that must not be printed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "parley.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(ini_text)
        run_env = {n: v for n, v in os.environ.items()
                   if not n.startswith("PARLEY_") and n not in SECRET_ENV and n != "LLM_FALLBACK_API_KEY"}
        dummies = {}
        for e in container.get("env") or []:
            vf = e.get("valueFrom") or {}
            if "secretKeyRef" in vf:
                dummies[e["name"]] = run_env[e["name"]] = f"dummy-secret-{e['name'].lower()}-5f3a9c"
            elif "fieldRef" in vf:
                run_env[e["name"]] = "parley-5d8c7b9f4-x2k8q" if vf["fieldRef"].get("fieldPath") == "metadata.name" \
                    else "10.0.0.1"
            elif "valueFrom" not in e:
                run_env[e["name"]] = re.sub(r"\$\((\w+)\)", lambda m: run_env.get(m.group(1), m.group(0)),
                                            str(e.get("value", "")))
        argv = [parley] + [a.replace(config_path, path) if a.startswith("--config-file=") else a for a in args]
        argv.append("--dump-config")
        try:
            run = subprocess.run(argv, env=run_env, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            c.check(False, "parley --dump-config did not exit within 60 s")
            return
    shown = " ".join(argv[1:]).replace(path, f"<{cm_key}>")
    if not c.check(run.returncode == 0,
                   f"parley refused the ConfigMap's INI: `parley {shown}` (with the Deployment's environment, "
                   f"secrets as dummies) exited {run.returncode}:\n"
                   + "".join(f"        {line}\n" for line in run.stderr.replace(path, cm_key).strip().splitlines())
                   + ("      (cluster.* options are being added to parley, issue 11: until this parley has "
                      "them, this check fails)" if "cluster." in run.stderr else "")):
        return
    for var, value in dummies.items():
        c.check(value not in run.stdout and value not in run.stderr,
                f"parley --dump-config printed the value of {var}")
    dumped = read_ini(run.stdout)
    for option in ("admin.listen", "agent.drain-timeout", "agent.drain-action", "cluster.mode", "cluster.redis-url"):
        ours = effective(option, ini, plain_env, args)
        if option in dumped and ours is not None:
            same = ours == dumped[option]
            if not same:
                try:
                    same = float(ours) == float(dumped[option])
                except ValueError:
                    pass
            c.check(same, f"{option}: this check read '{ours}' but parley runs with '{dumped[option]}'")
    for option in ("voipbin.accesskey", "llm.api-key", "cluster.redis-password"):
        if option in dumped:
            c.check(dumped[option] == "<set>", f"parley --dump-config: {option} is {dumped[option]}, not <set>")
    c.check("cluster.node-id" not in dumped or dumped["cluster.node-id"] == "parley-5d8c7b9f4-x2k8q",
            f"cluster.node-id is '{dumped.get('cluster.node-id')}', not the pod's name from {NODE_ID_ENV}")


def main():
    args = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    directory = os.path.normpath(os.path.join(here, "..", "..", "deploy", "kubernetes"))
    for a in [a for a in args if a.startswith("--manifests=")]:
        directory = a.split("=", 1)[1]
        args.remove(a)
    if len(args) != 1:
        sys.exit(__doc__)
    parley = args[0]
    c = Checker()
    objects = load_manifests(directory, c)
    for kind in ("Deployment", "ConfigMap", "Secret", "PodDisruptionBudget", "Service"):
        c.check(of_kind(objects, kind), f"no {kind} in {directory}")
    c.check(os.path.isfile(os.path.join(directory, "README.md")), f"{directory}/README.md is missing")
    check_references(objects, c)
    check_parley(objects, parley, c)
    for problem in c.problems:
        print(f"FAIL  {problem}")
    print(f"check_kubernetes: {c.passed} checks held, {len(c.problems)} did not ({os.path.normpath(directory)})")
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
