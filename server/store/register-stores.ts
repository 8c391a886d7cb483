// The four registers the yearly report reads (issue 6), bound to one
// connection or transaction; store.ts exposes them as `store.registers`.
import type { Knex } from "knex";
import { createDemandStore, type DemandStore } from "./register-demand-store";
import { createIncidentStore, type IncidentStore } from "./register-incident-store";
import { createInspectionStore, type InspectionStore } from "./register-inspection-store";
import { createTrainingStore, type TrainingStore } from "./register-training-store";

export interface RegisterStores {
  trainings: TrainingStore;
  inspections: InspectionStore;
  incidents: IncidentStore;
  demand: DemandStore;
}

export function createRegisterStores(db: Knex | Knex.Transaction): RegisterStores {
  return { trainings: createTrainingStore(db), inspections: createInspectionStore(db), incidents: createIncidentStore(db), demand: createDemandStore(db) };
}
