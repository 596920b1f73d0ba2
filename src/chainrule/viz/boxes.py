"""Module boxes that give back their space: the page's graph laid out once for every set of
open boxes it can reach.

A closed module (a transformer block, its attention) is one small box in the layout, not a
box drawn over its members where they would be, so a closed model is short and opening a box
makes room for its gates. The page cannot lay a graph out itself (a layout engine in the
page would be one more copy of third-party code), so each reachable set of open boxes gets
its own layout here; a box opens only inside an open box, which keeps the sets few (a block
holding two modules: 5). Past ``MOST_LAYOUTS`` sets, or ``LAYOUT_NODES`` nodes laid out in
all (a large graph's page would grow by a copy of its picture per set), the page falls back
to drawing closed boxes over a layout with every box open.
"""
from .layout import graph_edges, node_boxes, picture

MOST_LAYOUTS = 32
LAYOUT_NODES = 20_000
BOX_HEIGHT = 30
LABEL_CHAR = 7.4      # px per character of the box's bold 12 px label


def open_sets(groups, most=MOST_LAYOUTS):
    """Every set of open group ids the page can reach (a group opens only when the group
    holding it is open), the empty set first; None when there are more than ``most``."""
    parent = parents(groups)
    found, queue = [frozenset()], [frozenset()]
    while queue:
        current = queue.pop()
        for group in groups:
            key = group["id"]
            if key in current or (parent[key] is not None and parent[key] not in current):
                continue
            reached = current | {key}
            if reached not in found:
                if len(found) == most:
                    return None
                found.append(reached)
                queue.append(reached)
    return found


def parents(groups):
    """The id of the smallest group holding each group, or None for an outermost one."""
    size = {g["id"]: len(g["members"]) for g in groups}
    holders = {g["id"]: [] for g in groups}
    for group in groups:
        for inner in group["inner"]:
            holders[inner].append(group["id"])
    return {key: min(held, key=size.get) if held else None for key, held in holders.items()}


def layout_key(open_ids):
    """The page looks a layout up by its open groups' ids, sorted, joined by commas."""
    return ",".join(sorted(open_ids))


def layouts(graph, groups, most=MOST_LAYOUTS):
    """{layout key: SVG} for every reachable set of open groups, or None when too many."""
    nodes = len(graph.tensors) + len(graph.gates)
    sets = open_sets(groups, min(most, max(1, LAYOUT_NODES // nodes)))
    if sets is None:
        return None
    return {layout_key(s): closed_svg(graph, groups, s) for s in sets}


def closed_svg(graph, groups, open_ids):
    """SVG of ``graph`` with every group outside ``open_ids`` (inside open ones) one box; an
    edge into or out of a closed group ends at its box and keeps its id."""
    parent = parents(groups)
    closed = [g for g in groups if g["id"] not in open_ids
              and (parent[g["id"]] is None or parent[g["id"]] in open_ids)]
    owner = {member: g["id"] for g in closed for member in g["members"]}
    boxes = {k: box for k, box in node_boxes(graph).items() if k not in owner}
    boxes.update((g["id"], group_box(g)) for g in closed)
    edges = []
    for edge_id, source, target, label in graph_edges(graph):
        source, target = owner.get(source, source), owner.get(target, target)
        if source != target:
            edges.append((edge_id, source, target, label))
    return picture(boxes, edges)


def group_box(group):
    label = f"{group['label']} ▸"
    return {"lines": [label], "shape": "group", "w": len(label) * LABEL_CHAR + 20,
            "h": BOX_HEIGHT, "title": f"{group['label']}: {group['gates']} gates (click to open)"}
