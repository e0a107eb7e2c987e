// source: sequelize/sequelize src/dialects/postgres/connection-manager.js @ 01475e060c2a (MIT); excerpt: the end of connect() and _refreshDynamicOIDs(), omitted code marked "[excerpt]"
'use strict';

const _ = require('lodash');
const { AbstractConnectionManager } = require('../abstract/connection-manager');
const { logger } = require('../../utils/logger');
const { isValidTimeZone } = require('../../utils/dayjs');

const debug = logger.debugContext('connection:pg');
const sequelizeErrors = require('../../errors');
const semver = require('semver');
const dataTypes = require('../../data-types');
const dayjs = require('dayjs');
const { promisify } = require('util');

export class PostgresConnectionManager extends AbstractConnectionManager {
  async connect(config) {
    // [excerpt] connection set-up omitted
    let query = '';

    if (this.sequelize.options.standardConformingStrings !== false && connection.standard_conforming_strings !== 'on') {
      // Disable escape characters in strings
      // see https://github.com/sequelize/sequelize/issues/3545 (security issue)
      // see https://www.postgresql.org/docs/current/static/runtime-config-compatible.html#GUC-STANDARD-CONFORMING-STRINGS
      query += 'SET standard_conforming_strings=on;';
    }

    if (this.sequelize.options.clientMinMessages !== undefined) {
      console.warn('Usage of "options.clientMinMessages" is deprecated and will be removed in v7.');
      console.warn('Please use the sequelize option "dialectOptions.clientMinMessages" instead.');
    }

    // Redshift dosen't support client_min_messages, use 'ignore' to skip this settings.
    // If no option, the default value in sequelize is 'warning'
    if (!(config.dialectOptions && config.dialectOptions.clientMinMessages && config.dialectOptions.clientMinMessages.toLowerCase() === 'ignore'
            || this.sequelize.options.clientMinMessages === false)) {
      const clientMinMessages = config.dialectOptions && config.dialectOptions.clientMinMessages || this.sequelize.options.clientMinMessages || 'warning';
      query += `SET client_min_messages TO ${clientMinMessages};`;

    }

    if (!this.sequelize.config.keepDefaultTimezone) {
      if (isValidTimeZone(this.sequelize.options.timezone)) {
        query += `SET TIME ZONE '${this.sequelize.options.timezone}';`;
      } else {
        query += `SET TIME ZONE INTERVAL '${this.sequelize.options.timezone}' HOUR TO MINUTE;`;
      }
    }

    if (query) {
      await connection.query(query);
    }

    if (Object.keys(this.nameOidMap).length === 0
      && this.enumOids.oids.length === 0
      && this.enumOids.arrayOids.length === 0) {
      await this._refreshDynamicOIDs(connection);
    }

    return connection;
  }

  async _refreshDynamicOIDs(connection) {
    const databaseVersion = this.sequelize.options.databaseVersion;
    const supportedVersion = '8.3.0';

    // Check for supported version
    if ((databaseVersion && semver.gte(databaseVersion, supportedVersion)) === false) {
      return;
    }

    const results = await (connection || this.sequelize).query(
      'WITH ranges AS ('
      + '  SELECT pg_range.rngtypid, pg_type.typname AS rngtypname,'
      + '         pg_type.typarray AS rngtyparray, pg_range.rngsubtype'
      + '    FROM pg_range LEFT OUTER JOIN pg_type ON pg_type.oid = pg_range.rngtypid'
      + ')'
      + 'SELECT pg_type.typname, pg_type.typtype, pg_type.oid, pg_type.typarray,'
      + '       ranges.rngtypname, ranges.rngtypid, ranges.rngtyparray'
      + '  FROM pg_type LEFT OUTER JOIN ranges ON pg_type.oid = ranges.rngsubtype'
      + ' WHERE (pg_type.typtype IN(\'b\', \'e\'));',
    );

    let result = Array.isArray(results) ? results.pop() : results;

    // When searchPath is prepended then two statements are executed and the result is
    // an array of those two statements. First one is the SET search_path and second is
    // the SELECT query result.
    if (Array.isArray(result) && result[0].command === 'SET') {
      result = result.pop();
    }
    // [excerpt] OID mapping omitted
  }
}
