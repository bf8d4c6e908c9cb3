/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the ownership rules between nodes (src/daemon/owners.c):
 * the rt.* messages other nodes send, applied to one member's tables. The
 * input is one JSON object a line: a message (with its "origin"), or a
 * view {"view": {"ring": [node, seq], "members": [...], "quorate": bool}};
 * each line is 100 ms after the one before. The member is node 1; groups
 * "A" (resources a1, a2) and "B" (b1) are in its database.
 * Invariants: a message is applied or refused with -EINVAL for naming no
 * sender; owners are node ids; a placement is applied exactly when
 * owners_place_refusal() said it would be, and a dropped one changes no
 * owner; the coordinator is an up member; this member's report and the
 * coordinator's decisions can always be made.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "owners.h"

static json_t *group_resources(const char *group, void *userdata) {
        if (strcmp(group, "A") == 0)
                return json_pack("[{s:s}, {s:s}]", "id", "a1", "id", "a2");
        if (strcmp(group, "B") == 0)
                return json_pack("[{s:s}]", "id", "b1");
        return json_array();
}

static void view(Owners *o, const json_t *v, uint64_t now) {
        EngineView ev = { .quorate = json_is_true(json_object_get(v, "quorate")) };
        json_t *ring = json_object_get(v, "ring"), *members = json_object_get(v, "members");
        ev.ring_node = (uint32_t) json_integer_value(json_array_get(ring, 0));
        ev.ring = (uint64_t) json_integer_value(json_array_get(ring, 1));
        size_t i;
        json_t *m;
        json_array_foreach(members, i, m)
                if (ev.n_members < ELEMENTSOF(ev.members))
                        ev.members[ev.n_members++] = (uint32_t) json_integer_value(m);
        (void) owners_view(o, &ev, now);
}

static void check_tables(Owners *o, uint64_t now) {
        size_t it = 0;
        OwnersGroup *g;
        while ((g = hashmap_next(o->groups, &it, NULL))) {
                check(g->owner <= OWNERS_NODE_MAX && g->failed_from <= OWNERS_NODE_MAX);
                OwnersDecision d = owners_decide(o, g, true, now, 10000000);
                check(d.action != OWNERS_WAIT || d.at_usec > now);
                check(d.action != OWNERS_TAKE_OVER || (d.from == g->owner && !owners_node_up(o, d.from)));
                json_t *m = owners_place_message(o, g, d.from, d.to, d.action == OWNERS_TAKE_OVER, NULL, 1);
                check(m);
                json_decref(m);
        }
        OwnersResource *r;
        it = 0;
        while ((r = hashmap_next(o->resources, &it, NULL)))
                check(r->owner <= OWNERS_NODE_MAX && r->state);
        uint32_t c = owners_coordinator(o);
        check(c == 0 || (o->view.quorate && owners_node_up(o, c)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Owners *o = NULL;
        OwnersConfig cfg = { .self = 1, .group_resources = group_resources };
        check(owners_new(&cfg, &o) == 0);
        uint64_t now = 1000000;
        json_t *msg;
        for (const char *p = (const char *) data, *end = p + size; (msg = fuzz_next_object(&p, end)); now += 100000) {
                if (json_is_object(json_object_get(msg, "view"))) {
                        view(o, json_object_get(msg, "view"), now);
                        check_tables(o, now);
                        json_decref(msg);
                        continue;
                }
                const char *type = json_string_value(json_object_get(msg, "type"));
                const char *gid = json_string_value(json_object_get(msg, "group"));
                json_t *origin = json_object_get(msg, "origin");
                bool place = type && strcmp(type, "rt.place") == 0 && gid && json_is_integer(origin);
                const char *refusal = place ? owners_place_refusal(o, (uint32_t) json_integer_value(origin), msg) : NULL;
                OwnersGroup *g = place ? hashmap_get(o->groups, gid) : NULL;
                uint32_t before = g ? g->owner : 0;
                OwnersChange c;
                int k = owners_deliver(o, msg, now, &c);
                check(k == 0 || k == -EINVAL);
                if (k == 0 && place && json_integer_value(origin) >= 1 && json_integer_value(origin) <= OWNERS_NODE_MAX) {
                        check(c.group && c.dropped == refusal && c.placed == !refusal);
                        check(refusal ? c.group->owner == before : c.group->owner == c.to);
                }
                check(!c.down || !owners_node_up(o, c.down));
                check_tables(o, now);
                json_decref(msg);
        }
        json_t *report = owners_report_message(o);
        check(report && json_is_array(json_object_get(report, "groups")));
        json_decref(report);
        owners_free(o);
        return 0;
}
