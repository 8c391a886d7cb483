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

/** The four report figures as one object (the report engine's RegisterFigures), read through `r`. */
export function registerFigures(r: RegisterStores) {
  return {
    trainingsIn: (unitIds: readonly number[], year: number) => r.trainings.trainingsIn(unitIds, year),
    inspectionsIn: (unitIds: readonly number[], year: number) => r.inspections.inspectionsIn(unitIds, year),
    incidentsIn: (unitIds: readonly number[], year: number) => r.incidents.incidentsIn(unitIds, year),
    demandFor: (unitIds: readonly number[], year: number) => r.demand.demandFor(unitIds, year),
  };
}
