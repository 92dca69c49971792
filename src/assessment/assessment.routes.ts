// Assessment rounds over HTTP: admin only (rankings combine the results of many meetings).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { catalogueOf, inputsOf, type Scheme } from '../domain/assessment/scheme.js';
import { errorResponses } from '../shared/schemas.js';
import {
  AddCadresBody,
  AddUnitsBody,
  CadreParams,
  ComponentParams,
  CreateRoundBody,
  DecisionView,
  DeductionBody,
  DeductionParams,
  EditCadreBody,
  FactsBody,
  GradeBody,
  InputBody,
  InputParams,
  LinkBody,
  PartyBuildingLinkBody,
  RankingView,
  RoundParams,
  RoundSummary,
  RoundView,
  SchemeSummary,
  UnitParams,
  WithdrawBody,
} from './assessment.schemas.js';
import { rankingPdf, rankingXlsx } from './assessment.exports.js';
import {
  addCadres,
  addDeduction,
  addUnits,
  createRound,
  editCadre,
  enterInput,
  linkMeeting,
  linkPartyBuilding,
  unlinkMeeting,
  loadRound,
  recordGrade,
  roundRanking,
  roundSummaries,
  type RoundRecord,
  roundScheme,
  setFacts,
  withdrawDeduction,
  type Deps,
} from './assessment.usecases.js';
import { loadSchemes } from './schemes.catalog.js';
import { documentTitle } from '../domain/sources.js';

const secured = { security: [{ bearer: [] }], tags: ['assessment'] };

export function schemeSummary(s: Scheme) {
  return {
    id: s.id,
    title: s.title,
    ...(s.description !== undefined ? { description: s.description } : {}),
    seed: s.source.seed,
    document: documentTitle(s.source.seed),
    domains: s.domains.map((d) => {
      const comps = s.formulas[d.formula]!;
      const deduction = comps.some((c) => c.type === 'deduction');
      return {
        key: d.key,
        label: d.label,
        inputs: inputsOf(comps),
        ballotComponents: comps.filter((c) => c.type === 'ballot').map((c) => ({ key: c.key, label: c.label })),
        ...(deduction ? { hasCatalogue: catalogueOf(s, d.key) !== null } : {}),
      };
    }),
    indicators: s.indicators ?? [],
    cadres: s.cadres !== undefined,
    ...(s.cadres
      ? {
          cadreRules: {
            investigation: s.cadres.investigation !== undefined,
            retired: s.cadres.retired !== undefined,
            secondment: s.cadres.secondment !== undefined,
            headBar: s.cadres.headBar !== undefined,
            partyBuilding: s.cadres.partyBuilding
              ? (() => {
                  const seed = s.cadres.partyBuilding.rule.seed ?? s.source.seed;
                  return { seed, document: documentTitle(seed), requiredGrade: s.cadres.partyBuilding.requiredGrade, text: s.cadres.partyBuilding.rule.text };
                })()
              : null,
          },
        }
      : {}),
  };
}

export function roundView(rec: RoundRecord) {
  return {
    id: rec.round.id,
    title: rec.round.title,
    schemeId: rec.round.schemeId,
    createdBy: rec.round.createdBy,
    createdAt: rec.round.createdAt,
    scheme: schemeSummary(roundScheme(rec)),
    units: rec.units.map((u) => ({
      id: u.id,
      domain: u.domain,
      name: u.name,
      facts: u.facts,
      partyBuildingUnitId: u.partyBuildingUnitId,
      inputs: rec.inputs.filter((i) => i.unitId === u.id).map(({ unitId: _u, ...i }) => i),
      deductions: rec.deductions.filter((x) => x.unitId === u.id).map(({ unitId: _u, ...x }) => x),
      links: rec.links.filter((l) => l.unitId === u.id).map(({ unitId: _u, ...l }) => l),
      cadres: rec.cadres.filter((c) => c.unitId === u.id).map(({ unitId: _u, position: _p, ...c }) => c),
    })),
  };
}

export const assessmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAdmin);
  const schemes = loadSchemes();
  const deps: Deps = { db: app.db, forms: app.forms, schemes };

  app.get('/api/schemes', { schema: { ...secured, summary: 'The shipped scoring schemes (seeds 001, 002, 004)', response: { 200: Type.Array(SchemeSummary), ...errorResponses } } }, async () =>
    [...schemes.values()].map(schemeSummary),
  );

  app.post(
    '/api/rounds',
    { schema: { ...secured, summary: 'Create an assessment round scored by a shipped scheme', body: CreateRoundBody, response: { 201: RoundView, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(roundView(await createRound(deps, req.user, req.body))),
  );

  app.get('/api/rounds', { schema: { ...secured, summary: 'Assessment rounds', response: { 200: Type.Array(RoundSummary), ...errorResponses } } }, async () =>
    roundSummaries({ db: app.db }),
  );

  app.get('/api/rounds/:id', { schema: { ...secured, summary: 'A round: its scheme, units and everything entered', params: RoundParams, response: { 200: RoundView, ...errorResponses } } }, async (req) =>
    roundView(await loadRound({ db: app.db }, req.params.id)),
  );

  app.post(
    '/api/rounds/:id/units',
    { schema: { ...secured, summary: 'Add units to a round, each in a domain of its scheme', params: RoundParams, body: AddUnitsBody, response: { 201: RoundView, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(roundView(await addUnits(deps, req.user, req.params.id, req.body.units))),
  );

  app.put(
    '/api/rounds/:id/units/:unitId/facts',
    { schema: { ...secured, summary: 'Facts that cap a grade (001): named criticism, satisfaction survey, grave problems, 成效不明显', params: UnitParams, body: FactsBody, response: { 200: RoundView, ...errorResponses } } },
    async (req) => roundView(await setFacts(deps, req.user, req.params.id, req.params.unitId, req.body)),
  );

  app.put(
    '/api/rounds/:id/units/:unitId/inputs/:input',
    { schema: { ...secured, summary: 'Enter a score (a number, or a level such as first / second / other)', params: InputParams, body: InputBody, response: { 200: RoundView, ...errorResponses } } },
    async (req) => roundView(await enterInput(deps, req.user, req.params.id, req.params.unitId, req.params.input, req.body)),
  );

  app.post(
    '/api/rounds/:id/units/:unitId/deductions',
    { schema: { ...secured, summary: 'Record a deduction under an indicator rule (001, 扣分制)', params: UnitParams, body: DeductionBody, response: { 201: RoundView, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(roundView(await addDeduction(deps, req.user, req.params.id, req.params.unitId, req.body))),
  );

  app.delete(
    '/api/rounds/:id/units/:unitId/deductions/:deductionId',
    { schema: { ...secured, summary: 'Withdraw a deduction, with a reason (audit-logged)', params: DeductionParams, body: WithdrawBody, response: { 200: RoundView, ...errorResponses } } },
    async (req) => roundView(await withdrawDeduction(deps, req.user, req.params.id, req.params.unitId, req.params.deductionId, req.body.reason)),
  );

  app.put(
    '/api/rounds/:id/units/:unitId/links/:component',
    { schema: { ...secured, summary: 'Feed a ballot component (述职评议, 民主测评) from a meeting’s tally', params: ComponentParams, body: LinkBody, response: { 200: RoundView, ...errorResponses } } },
    async (req) => roundView(await linkMeeting(deps, req.user, req.params.id, req.params.unitId, req.params.component, req.body)),
  );

  app.delete(
    '/api/rounds/:id/units/:unitId/links/:component',
    { schema: { ...secured, summary: 'Unlink a meeting from a component, with a reason (audit-logged)', params: ComponentParams, body: WithdrawBody, response: { 200: RoundView, ...errorResponses } } },
    async (req) => roundView(await unlinkMeeting(deps, req.user, req.params.id, req.params.unitId, req.params.component, req.body.reason)),
  );

  app.post(
    '/api/rounds/:id/units/:unitId/cadres',
    { schema: { ...secured, summary: 'Add the cadres of a unit (004)', params: UnitParams, body: AddCadresBody, response: { 201: RoundView, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(roundView(await addCadres(deps, req.user, req.params.id, req.params.unitId, req.body.cadres))),
  );

  app.put(
    '/api/rounds/:id/cadres/:cadreId',
    { schema: { ...secured, summary: 'Edit a cadre’s score or facts (立案审查, 退休, 挂职, 党建职责)', params: CadreParams, body: EditCadreBody, response: { 200: RoundView, ...errorResponses } } },
    async (req) => roundView(await editCadre(deps, req.user, req.params.id, req.params.cadreId, req.body)),
  );

  app.put(
    '/api/rounds/:id/units/:unitId/party-building',
    {
      schema: {
        ...secured,
        summary: 'Link a unit of a cadre round to the same unit of a 党建工作成效考核 round (001 第十七条), or unlink it with null',
        params: UnitParams,
        body: PartyBuildingLinkBody,
        response: { 200: RoundView, ...errorResponses },
      },
    },
    async (req) => roundView(await linkPartyBuilding(deps, req.user, req.params.id, req.params.unitId, req.body.partyBuildingUnitId)),
  );

  app.get(
    '/api/rounds/:id/ranking',
    { schema: { ...secured, summary: 'Ranking per domain with scores, suggested grades (rule and seed), quotas, ties and final grades', params: RoundParams, response: { 200: RankingView, ...errorResponses } } },
    async (req) => roundRanking(deps, req.params.id),
  );

  app.put(
    '/api/rounds/:id/grades',
    { schema: { ...secured, summary: 'Record the final grade of a unit or cadre; a reason is required where it departs from the suggestion', params: RoundParams, body: GradeBody, response: { 200: DecisionView, ...errorResponses } } },
    async (req) => recordGrade(deps, req.user, req.params.id, req.body),
  );

  app.get(
    '/api/rounds/:id/ranking.xlsx',
    { schema: { ...secured, summary: 'The ranking as an Excel workbook', params: RoundParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (req, reply) => {
      const r = await roundRanking(deps, req.params.id);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="ranking.xlsx"; filename*=UTF-8''${encodeURIComponent(`${r.title}-排名.xlsx`)}`)
        .send(await rankingXlsx(r));
    },
  );

  app.get(
    '/api/rounds/:id/ranking.pdf',
    { schema: { ...secured, summary: 'The ranking as a PDF report', params: RoundParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    async (req, reply) => {
      const r = await roundRanking(deps, req.params.id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="ranking.pdf"; filename*=UTF-8''${encodeURIComponent(`${r.title}-排名.pdf`)}`)
        .send(await rankingPdf(r));
    },
  );
};
