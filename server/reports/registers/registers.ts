// The report registers (issue 6) wired from their dependencies: one service
// per register, built by register-core from its rules. Portal exposes them as
// `portal.registers`.
import { createRegisterService, type RegisterServiceDeps } from "./register-core";
import { demandRegister } from "./demand-register";
import { incidentRegister } from "./incident-register";
import { inspectionRegister } from "./inspection-register";
import { trainingRegister } from "./training-register";

export function createRegisters(deps: RegisterServiceDeps) {
  return {
    trainings: createRegisterService(deps, trainingRegister),
    inspections: createRegisterService(deps, inspectionRegister),
    incidents: createRegisterService(deps, incidentRegister),
    demand: createRegisterService(deps, demandRegister),
  };
}

export type Registers = ReturnType<typeof createRegisters>;
