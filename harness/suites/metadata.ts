/**
 * Metadata suite: what an actor knows about itself (`c.actorId`, `c.name`, `c.key`,
 * `c.region`) matches what the client resolved and what the driver reports (clauses META-1,
 * MGR-8).
 */
import { defineSuite } from "../suite-api.ts";
import { clientOf, show, where } from "./core-support.ts";

export const metadataSuite = defineSuite("metadata", (s) => {
  s.test({
    id: "actor-name",
    title: "c.name is the actor's registry name, in actions and in onStart",
    clause: "META-1",
    run: async (t) => {
      const h = clientOf(t).metadataActor.getOrCreate(t.uniqueKey("name"));
      t.expect(await t.step("getActorName", h.getActorName())).toBe("metadataActor");
      const atStart = await t.step("getMetadataAtStart", h.getMetadataAtStart());
      t.expect(atStart?.name, `onStart saw ${show(atStart)}`).toBe("metadataActor");
    },
  });

  s.test({
    id: "id-and-key",
    title:
      "c.actorId and c.key match the id the client resolved and the key it used, in actions and onStart",
    clause: "META-1",
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = [t.uniqueKey("meta")[0], "ключ", "", "a/b"];
      const handle = c.metadataActor.getOrCreate(key);
      const id = await t.step("resolve", handle.resolve());
      const live = await t.step("getMetadata", handle.getMetadata());
      t.expect(
        { actorId: live.actorId, name: live.name, key: live.key },
        `${where(t)}: the action context`,
      ).toEqual({
        actorId: id,
        name: "metadataActor",
        key,
      });
      const atStart = await t.step("getMetadataAtStart", handle.getMetadataAtStart());
      t.expect(
        atStart && { actorId: atStart.actorId, key: atStart.key },
        "the onStart context",
      ).toEqual({ actorId: id, key });
      const byKey = await t.step("get(key).getMetadata", c.metadataActor.get(key).getMetadata());
      t.expect(byKey.actorId, "a handle by key reaches the same actor").toBe(id);
    },
  });

  s.test({
    id: "region",
    title: "the region given at creation is c.region and is reported by getForId",
    clause: "MGR-8",
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const handle = await t.step(
        "create with region",
        c.metadataActor.create(t.uniqueKey("region"), { region: "test-region-1" }),
      );
      const id = await t.step("resolve", handle.resolve());
      const live = await t.step("getMetadata", handle.getMetadata());
      t.expect(live.region, "c.region inside the actor").toBe("test-region-1");
      const found = await t.step("manager.getForId", t.manager.getForId({ actorId: id }));
      t.expect(found?.region, `getForId reports the region: ${show(found)}`).toBe("test-region-1");
    },
  });
});
