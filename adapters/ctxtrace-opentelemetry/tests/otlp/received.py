"""Reading back what receiver.py wrote: its JSON lines as flat span records."""

import json


def attribute_map(attributes):
    """{"key": (type, value)} from the receiver's attribute list."""
    return {kv["key"]: (kv["type"], kv["value"]) for kv in attributes}


def spans(path, service=None):
    """Every span in the file, with its resource and scope beside it.

    With `service`, only the spans whose resource has that service.name.
    """
    out = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            document = json.loads(line)
            for rs in document["resource_spans"]:
                resource = attribute_map(rs["resource"]["attributes"])
                name = resource.get("service.name", (None, None))[1]
                if service is not None and name != service:
                    continue
                for ss in rs["scope_spans"]:
                    for span in ss["spans"]:
                        out.append(
                            dict(
                                span,
                                service=name,
                                scope=ss["scope"]["name"],
                                resource=resource,
                                attributes=attribute_map(span["attributes"]),
                            )
                        )
    return out


def tree(records):
    """The spans as an indented tree, one line each, for reports."""
    by_parent = {}
    ids = {s["span_id"] for s in records}
    for s in records:
        parent = s["parent_span_id"] if s["parent_span_id"] in ids else None
        by_parent.setdefault(parent, []).append(s)
    lines = []

    def walk(parent, depth):
        for s in sorted(by_parent.get(parent, []), key=lambda s: s["start_time_unix_nano"]):
            remote = ""
            if depth == 0 and s["parent_span_id"]:
                remote = f" (parent {s['parent_span_id']}, not in this set)"
            status = s["status"]["code"].removeprefix("STATUS_CODE_")
            lines.append(
                f"{'  ' * depth}{s['name']} [{s['service']}] span={s['span_id']} "
                f"status={status}{remote}"
            )
            walk(s["span_id"], depth + 1)

    walk(None, 0)
    return "\n".join(lines)
