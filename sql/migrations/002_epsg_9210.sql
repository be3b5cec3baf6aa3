-- VN-2000 / TM-3 105°45′ (k = 0.9999, false easting 500 000): Cao Bằng's provincial projection.
-- PostGIS 3.3's spatial_ref_sys lacks it. With auth_name/auth_srid = EPSG/9210, PostGIS asks PROJ for its own
-- definition and pipeline (the 7-parameter shift of Decision 05/2007/QĐ-BTNMT, EPSG transformation 6960); the
-- proj4text is the fallback and carries the same shift (rotations in the proj4 sign convention).
insert into spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
values (
  9210, 'EPSG', 9210,
  'PROJCS["VN-2000 / TM-3 105-45",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278],AUTHORITY["EPSG","1151"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","9210"]]',
  '+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs'
)
on conflict (srid) do nothing;
